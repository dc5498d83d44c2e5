"""Server-side timestamps for the benchmark, written only when ``ATLAS_BENCH_TIMING`` is set.

``ATLAS_BENCH_TIMING=/path/to/file.jsonl`` makes each rerun append one JSON line per mark
(``{"mark": "script start", "t": <ms since the epoch>, "pid": ...}``). The benchmark lines
these up with the browser's own clock (same machine) to break a click down into its parts.
Nothing about the data is written: only the name of the mark and the time.
"""

from __future__ import annotations

import json
import os
import threading
import time

from geodata.settings import load_settings

_LOCK = threading.Lock()


def mark(name: str) -> None:
    """Append a timestamped mark to the benchmark's log, when one is configured."""
    path = load_settings().bench_timing
    if path is None:
        return
    line = json.dumps({"mark": name, "t": time.time() * 1000, "pid": os.getpid(),
                       "thread": threading.get_ident()})
    with _LOCK, open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")
