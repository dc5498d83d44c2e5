"""Time one import through the command line, phase by phase, printed as JSON.

``python -m bench.importing FILE`` (in an atlas home with wards) runs
``python -m geodata import FILE --kind mixed`` in this process and notes when its progress
messages appear: start-up and reading (to "Checking N rows"), checking every row (to
"Checked") and storing (to the end). Run as a subprocess by :mod:`bench.run`.
"""

from __future__ import annotations

import io
import json
import resource
import sys
import time


class _Clock(io.TextIOBase):
    """Standard error that notes the time of each progress message."""

    def __init__(self, start: float) -> None:
        self.start, self.seen = start, {}

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.startswith("Checking") and line.rstrip(" .").endswith("rows"):
                self.seen["checking"] = time.perf_counter() - self.start
            elif line.startswith("Checked"):
                self.seen["checked"] = time.perf_counter() - self.start
        return len(text)


def main() -> None:
    from geodata.cli import main as cli

    start = time.perf_counter()
    clock = _Clock(start)
    sys.stderr = clock
    try:
        rc = cli(["import", sys.argv[1], "--kind", "mixed"])
    finally:
        sys.stderr = sys.__stderr__
    total = time.perf_counter() - start
    if rc != 0:
        sys.exit(rc)
    read, checked = clock.seen["checking"], clock.seen["checked"]
    print(json.dumps({
        "import_s": round(total, 1),
        "import_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "import_read_s": round(read, 1), "import_check_s": round(checked - read, 1),
        "import_store_s": round(total - checked, 1),
    }))


if __name__ == "__main__":
    main()
