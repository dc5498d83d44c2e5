"""Drive a Streamlit app in Chromium and break each filter click down into its parts.

Every frame of the page gets a small script (Playwright's init script) before any of the
page's own code runs:

- in the page itself, it wraps ``WebSocket`` to stamp every message sent and received
  (with its size), and stamps each ``click`` (the option is chosen on release);
- in the map's component frame, it stamps each ``streamlit:render`` message (the new
  arguments reaching the component), every DOM change (``MutationObserver``) and the
  second animation frame after a change (the browser has painted what Leaflet drew).

The app writes its own marks when ``ATLAS_BENCH_TIMING`` names a file
(:mod:`dashboard.timing`): script start, view computed, map sent, script end. Both sides
use the same wall clock (one machine), so a click reads as a timeline in milliseconds:

click → websocket message sent → script start → view computed → map sent → map delta
received → component updated → first map change → Leaflet drawn (painted), and script end.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRESETS = ("Last quarter", "All dates", "Last 4 weeks", "Campaign week")
INIT = """(() => {
  if (window.__bench) return;
  const log = window.__bench = {ws: [], click: [], render: [], mut: [], paint: []};
  const keep = (list, item) => { list.push(item); if (list.length > 5000) list.shift(); };
  if (window === window.top) {
    const Native = window.WebSocket;
    const size = (d) => d.byteLength ?? d.size ?? d.length ?? 0;
    const Wrapped = function (url, protocols) {
      const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
      const send = ws.send.bind(ws);
      ws.send = (data) => { keep(log.ws, [Date.now(), 's', size(data)]); return send(data); };
      ws.addEventListener('message', (e) => keep(log.ws, [Date.now(), 'r', size(e.data)]));
      return ws;
    };
    Wrapped.prototype = Native.prototype;
    for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Wrapped[k] = Native[k];
    window.WebSocket = Wrapped;
    // 'click': the option is chosen when the button is released, as a person's click is.
    document.addEventListener('click', () => keep(log.click, Date.now()), true);
  } else {
    window.addEventListener('message', (e) => {
      if (e.data && e.data.type === 'streamlit:render') keep(log.render, Date.now());
    });
  }
})()"""
# Installed again before each click (idempotent): an observer set up before the frame's
# document is parsed does not always survive it.
WATCH = """() => {
  const log = window.__bench || (window.__bench = {render: [], mut: [], paint: []});
  const keep = (list, item) => { list.push(item); if (list.length > 5000) list.shift(); };
  if (window.__benchObserver) return true;
  window.__benchObserver = new MutationObserver(() => {
    keep(log.mut, Date.now());
    requestAnimationFrame(() => requestAnimationFrame(() => keep(log.paint, Date.now())));
  });
  window.__benchObserver.observe(document.body, {subtree: true, childList: true,
                                                 attributes: true});
  return false;
}"""
# The atlas's Map page draws its own live map component; the floor and the HeatMap, st_folium.
MAP_COMPONENTS = ("live_map", "st_folium")
IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')"""
DRAWN = """() => document.querySelectorAll('path.leaflet-interactive').length
  + 1000 * document.querySelectorAll('.leaflet-overlay-pane canvas').length"""
STAGES = ("ws_sent", "script_start", "view_computed", "map_sent", "map_delta", "component",
          "first_change", "drawn", "script_end")
STAGE_NAMES = {
    "ws_sent": "websocket message sent", "script_start": "script start",
    "view_computed": "view computed", "map_sent": "map element sent",
    "map_delta": "map delta received", "component": "component updated",
    "first_change": "first change in the map", "drawn": "Leaflet drawn (painted)",
    "script_end": "script end",
}


class App:
    """A ``streamlit run`` process on a free loopback port, with its timing log."""

    def __init__(self, script: Path, home: Path, env_extra: dict | None = None,
                 timeout_s: float = 600):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.timing = Path(home) / f"timing-{self.port}.jsonl"
        env = {**os.environ, "ATLAS_HOME": str(home), "ATLAS_GEOMASK_KEY": "bench-key",
               "ATLAS_BENCH_TIMING": str(self.timing), **(env_extra or {})}
        self.started = time.time()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.port",
             str(self.port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{script} did not start")

    def marks(self) -> list[tuple[str, float]]:
        """Return the app's timing marks so far, in order."""
        if not self.timing.exists():
            return []
        lines = self.timing.read_text().splitlines()
        return [(m["mark"], m["t"]) for m in map(json.loads, lines) if m]

    def wait_for_mark(self, name: str, timeout_s: float = 900) -> None:
        """Wait until the app has written the timing mark ``name``."""
        deadline = time.time() + timeout_s
        while not any(m == name for m, _ in self.marks()):
            if time.time() > deadline:
                raise RuntimeError(f"the app never wrote the mark {name!r}")
            time.sleep(0.2)

    def rss_mb(self) -> tuple[int, int]:
        """Return the process's resident memory now and at its peak (MB)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text().splitlines()
        value = {line.split(":")[0]: int(line.split()[1]) for line in status
                 if line.startswith(("VmRSS", "VmHWM"))}
        return round(value["VmRSS"] / 1024), round(value["VmHWM"] / 1024)

    def stop(self) -> None:
        """Stop the process."""
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def map_frame(page, timeout_s: float = 60):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        frames = [f for f in page.frames if any(n in f.url for n in MAP_COMPONENTS)]
        if frames:
            return frames[0]
        page.wait_for_timeout(50)
    raise RuntimeError("no map component")


def wait_for_map(page, minimum: int, timeout_s: float = 900) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            if map_frame(page, timeout_s).evaluate(DRAWN) >= minimum:
                return
        except Exception:  # noqa: BLE001 - the frame may be replaced while we look
            pass
        page.wait_for_timeout(50)
    raise RuntimeError("the map never drew")


def frame_log(page) -> dict:
    try:
        return map_frame(page).evaluate("() => window.__bench") or {}
    except Exception:  # noqa: BLE001 - replaced frame
        return {}


def click_preset(page, option_name: str) -> float:
    """Pick a date preset; return when the browser got the click (ms since the epoch)."""
    map_frame(page).evaluate(WATCH)
    page.get_by_role("combobox", name="Dates").click()
    option = page.get_by_role("option", name=option_name, exact=True)
    option.wait_for()
    before = len(page.evaluate("() => window.__bench.click"))
    option.click()
    clicks = page.evaluate("() => window.__bench.click")
    return clicks[-1] if len(clicks) > before else time.time() * 1000


def wait_redrawn(page, start: float, quiet_ms: int = 400,
                 timeout_s: float = 300) -> dict | None:
    """Wait until the map has stopped changing after ``start``; return its frame's log.

    ``None`` when the rerun left the map as it was (the same classes).
    """
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            frame = map_frame(page)
            observed, log = frame.evaluate("() => [Boolean(window.__benchObserver), "
                                           "window.__bench || {}]")
        except Exception:  # noqa: BLE001 - the frame is being replaced
            page.wait_for_timeout(25)
            continue
        now = page.evaluate("Date.now()")
        if not observed and frame.evaluate(DRAWN):  # a new document: the map was rebuilt
            frame.evaluate(WATCH)
            return {**log, "mut": [now], "paint": [now], "rebuilt": True}
        changes = [t for t in log.get("mut", []) if t >= start]
        if changes and now - changes[-1] > quiet_ms:
            return log
        if not changes and now - start > 8000 and page.evaluate(IDLE):
            return None
        page.wait_for_timeout(25)
    raise RuntimeError("the map was not redrawn")


def breakdown(start: float, page_log: dict, log: dict, marks: list) -> dict:
    """Turn the stamps of one click into milliseconds after the click, stage by stage."""

    def first(values, after):
        later = [v for v in values if v >= after]
        return min(later) if later else None

    changes = [t for t in log["mut"] if t >= start]
    last_change = changes[-1]
    paints = [t for t in log.get("paint", []) if t >= last_change]
    drawn = min(paints) if paints else last_change
    received = [(t, n) for t, d, n in page_log["ws"] if d == "r" and start <= t <= drawn]
    out = {
        "ws_sent": first([t for t, d, _ in page_log["ws"] if d == "s"], start),
        "component": first(log.get("render", []), start),
        "first_change": changes[0],
        "drawn": drawn,
        "map_delta": max(received, key=lambda r: r[1])[0] if received else None,
    }
    server = [(m, t) for m, t in marks if t >= start - 5]
    script_start = first([t for m, t in server if m == "script start"], start - 5)
    out["script_start"] = script_start
    for name in ("view computed", "map sent", "script end"):
        out[name.replace(" ", "_")] = (
            first([t for m, t in server if m == name], script_start) if script_start else None
        )
    return {k: (round(v - start, 1) if v is not None else None) for k, v in out.items()}


def measure_clicks(page, app: App, clicks: int) -> tuple[list[dict], list[int]]:
    """Click date presets in turn, timing each click until the map is painted.

    Streamlit keeps large messages the browser has seen, so payloads count the first
    cycle of presets only (a state seen before costs a reference).
    """
    rows, payloads = [], []
    for i in range(clicks):
        page.wait_for_timeout(300)
        start = click_preset(page, PRESETS[i % len(PRESETS)])
        log = wait_redrawn(page, start)
        page.wait_for_timeout(300)  # the last marks and frames
        page_log = page.evaluate("() => window.__bench")
        if i < len(PRESETS):
            payloads.append(sum(n for t, d, n in page_log["ws"] if d == "r" and t >= start))
        page.keyboard.press("Escape")
        if log is not None:
            rows.append(breakdown(start, page_log, log, app.marks()))
    return rows, payloads


def open_page(browser, url: str, minimum: int):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(INIT)
    page = context.new_page()
    page.set_default_timeout(300_000)
    page.goto(url)
    wait_for_map(page, minimum)
    return context, page
