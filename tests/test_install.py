"""The installed product imports from anywhere, as `streamlit run` and the CLIs need.

`make run` starts the console script `streamlit`, whose module path holds neither the
current folder nor the repository: every package must come from the install.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("geodata", "analysis", "dashboard", "exports")


def product_packages() -> list[str]:
    return sorted(
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in PRODUCT
        for init in (ROOT / top).rglob("__init__.py")
    )


def test_every_package_imports_outside_the_repository(tmp_path):
    packages = product_packages()
    assert "exports" in packages and "dashboard.maps" in packages
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = "import importlib, sys; [importlib.import_module(m) for m in sys.argv[1:]]"
    result = subprocess.run([sys.executable, "-c", code, *packages], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
