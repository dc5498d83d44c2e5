"""A real `streamlit run` and Debian's Chromium driven by Playwright."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from geodata.wards import save_wards
from tests.helpers import toy_wards

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
GEOMASK_KEY = "e2e-test-key"
DEMO_RECORDS = 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AtlasServer:
    def __init__(self, home: Path, env_extra: dict | None = None):
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "ATLAS_HOME": str(home),
            "ATLAS_GEOMASK_KEY": GEOMASK_KEY,
            "ATLAS_DEMO_RECORDS": str(DEMO_RECORDS),
            **(env_extra or {}),
        }
        env.pop("DATABASE_URL", None)
        self.log = open(home / "streamlit.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                # the console script, as `make run` starts it (packages come from the install)
                str(Path(sys.executable).parent / "streamlit"), "run",
                str(ROOT / "dashboard" / "app.py"),
                "--server.port", str(self.port), "--server.address", "127.0.0.1",
                "--server.headless", "true", "--browser.gatherUsageStats", "false",
            ],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self._wait()

    def _wait(self, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)  # no browser yet: the health URL is all a starting server offers
        self.stop()
        raise RuntimeError(f"streamlit did not start: {(self.home / 'streamlit.log').read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="session")
def atlas_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("atlas-home")
    save_wards(toy_wards(), home / "wards.geojson")
    server = AtlasServer(home)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Counts the messages the app's websocket receives and stamps the last one: a rerun can be
# too quick for the app's "running" state ever to reach the page (tests/e2e/test_map_page.py,
# rerun), but its messages always do.
WS_COUNTER = """(() => {
  if (window !== window.top || window.__wsReceived !== undefined) return;
  window.__wsReceived = 0;
  window.__wsLastAt = 0;
  const Native = window.WebSocket;
  const Counted = function (url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    ws.addEventListener('message', () => {
      window.__wsReceived += 1;
      window.__wsLastAt = Date.now();
    });
    return ws;
  };
  Counted.prototype = Native.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Counted[k] = Native[k];
  window.WebSocket = Counted;
})()"""


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.add_init_script(WS_COUNTER)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()
