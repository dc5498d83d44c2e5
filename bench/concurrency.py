"""Many planners at once, on loopback only: a bounded load test and a two-server check.

``python -m bench.concurrency --home ATLAS_HOME [--sessions 10] [--seconds 120]`` starts one
atlas server on 127.0.0.1 for an atlas home that already holds records, opens ``sessions``
browser sessions in one headless Chromium, and has each click the date presets in turn,
as fast as its map redraws, until ``seconds`` have passed (then every session stops by
itself). It reports p50/p95 click → map, the errors (a timeout, a page error or an
exception shown by Streamlit) and the server's memory. With ``--pause-seconds``, each
session looks at its map that long after each redraw before clicking again, as a planner
does; without it, the sessions click back to back (a stress test: the browsers themselves
then take most of this machine).

``--two-servers`` also starts a private PostgreSQL (``.ci/postgres-start``, loopback), two
atlas servers sharing it, imports records with the first server's settings and times how
long the second takes to show them (a fresh page load on it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.browser import IDLE, INIT, MAP_COMPONENTS, PRESETS, WATCH, App

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
KPI = ".atlas-kpi-value"  # the Map page's figures (dashboard/components.py, render_kpis)


async def _frame(page, timeout_s: float = 120):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        frames = [f for f in page.frames if any(n in f.url for n in MAP_COMPONENTS)]
        if frames:
            return frames[0]
        await page.wait_for_timeout(100)
    raise TimeoutError("no map component")


async def _click_and_wait(page, option_name: str, timeout_s: float = 60) -> float | None:
    frame = await _frame(page)
    await frame.evaluate(WATCH)
    await page.get_by_role("combobox", name="Dates").click()
    option = page.get_by_role("option", name=option_name, exact=True)
    await option.wait_for(timeout=timeout_s * 1000)
    await option.click(timeout=timeout_s * 1000)
    start = (await page.evaluate("() => window.__bench.click"))[-1]
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            frame = await _frame(page)
            observed, log = await frame.evaluate(
                "() => [Boolean(window.__benchObserver), window.__bench || {}]")
        except Exception:  # noqa: BLE001 - the frame is being replaced
            await page.wait_for_timeout(50)
            continue
        now = await page.evaluate("Date.now()")
        if not observed:
            await frame.evaluate(WATCH)
            return now - start
        changes = [t for t in log.get("mut", []) if t >= start]
        if changes and now - changes[-1] > 300:
            paints = [t for t in log.get("paint", []) if t >= changes[-1]]
            return (min(paints) if paints else changes[-1]) - start
        if not changes and now - start > 8000 and await page.evaluate(IDLE):
            return None  # the same classes as before: nothing to redraw
        await page.wait_for_timeout(50)
    raise TimeoutError("the map was not redrawn")


async def _open(browser, url: str, index: int, out: dict):
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    await context.add_init_script(INIT)
    page = await context.new_page()
    page.on("pageerror", lambda _: out["errors"].append(f"session {index}: page error"))
    try:
        await page.goto(url, timeout=300_000)
        await _frame(page, 300)
        await page.locator(KPI).first.wait_for(timeout=300_000)
    except Exception as error:  # noqa: BLE001 - a session that never started
        out["errors"].append(f"session {index} did not start: {type(error).__name__}")
        await context.close()
        return None
    return context, page


async def _clicks(page, deadline: float, index: int, out: dict, pause_s: float) -> None:
    i = index  # sessions start on different presets
    while time.time() < deadline:
        try:
            took = await _click_and_wait(page, PRESETS[i % len(PRESETS)])
            if took is not None:
                out["times"].append(took)
            if await page.locator(ERRORS).count():
                out["errors"].append(f"session {index}: error shown")
        except Exception as error:  # noqa: BLE001 - counted, the session goes on
            out["errors"].append(f"session {index}: {type(error).__name__}")
        i += 1
        await page.keyboard.press("Escape")
        await page.wait_for_timeout(200 + 1000 * pause_s)


async def _load(url: str, sessions: int, seconds: float, pause_s: float) -> dict:
    from playwright.async_api import async_playwright

    out = {"times": [], "errors": []}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # Open the sessions first, then click for `seconds` (opening is not the test).
        opened = await asyncio.gather(*(_open(browser, url, i, out) for i in range(sessions)))
        deadline = time.time() + seconds
        await asyncio.gather(*(_clicks(o[1], deadline, i, out, pause_s)
                               for i, o in enumerate(opened) if o is not None))
        for o in opened:
            if o is not None:
                await o[0].close()
        await browser.close()
    return out


def load_test(home: Path, *, sessions: int = 10, seconds: float = 120,
              pause_s: float = 0.0) -> dict:
    """Run the load test against one new server on ``home``; return its figures."""
    app = App(ROOT / "dashboard" / "app.py", home)
    started = time.time()
    try:
        out = asyncio.run(_load(app.url, sessions, seconds, pause_s))
        _, peak = app.rss_mb()
    finally:
        app.stop()
    times = out["times"]  # none when no session could click: the errors say why
    return {"sessions": sessions, "seconds": round(time.time() - started), "pause_s": pause_s,
            "clicks": len(times),
            "p50_ms": round(float(np.median(times))) if times else None,
            "p95_ms": round(float(np.percentile(times, 95))) if times else None,
            "errors": len(out["errors"]),
            "error_kinds": sorted(set(out["errors"]))[:10], "server_peak_mb": peak}


def _postgres() -> tuple[str, Path]:
    before = set(Path(tempfile.gettempdir()).glob("atlas-pg.*"))
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = subprocess.run(["bash", str(ROOT / ".ci" / "postgres-start")], check=True,
                         capture_output=True, text=True,
                         env={**os.environ, "ATLAS_PG_PORT": str(port)}).stdout
    url = re.search(r"TEST_DATABASE_URL=(\S+)", out).group(1)
    (data,) = set(Path(tempfile.gettempdir()).glob("atlas-pg.*")) - before
    return url, data


def _stop_postgres(data: Path) -> None:
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    command = f"'{bindir}/pg_ctl' -D '{data}/db' -m fast stop"
    if os.getuid() == 0:
        subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", command], check=False,
                       capture_output=True)
    else:
        subprocess.run(["sh", "-c", command], check=False, capture_output=True)
    shutil.rmtree(data, ignore_errors=True)


def _referrals_shown(page) -> str:
    page.locator(KPI).first.wait_for(timeout=120_000)
    return page.locator(KPI).first.inner_text()


def two_servers(home: Path, wards: Path, records: int = 2000) -> dict:
    """Two servers on one PostgreSQL store: how long until an import shows on the other."""
    from playwright.sync_api import sync_playwright

    url, data = _postgres()
    homes = [Path(tempfile.mkdtemp(prefix=f"atlas-two-{i}-")) for i in (0, 1)]
    apps = []
    try:
        env = {**os.environ, "DATABASE_URL": url, "ATLAS_GEOMASK_KEY": "bench-key"}
        for h in homes:
            subprocess.run([sys.executable, "-m", "geodata", "wards", "--from", str(wards)],
                           cwd=ROOT, env={**env, "ATLAS_HOME": str(h)}, check=True,
                           capture_output=True)
        csvs = []
        for i in (0, 1):
            csv = homes[0] / f"demo-{i}.csv"
            subprocess.run([sys.executable, "-m", "geodata", "demo", "--records", str(records),
                            "--seed", str(100 + i), "--out", str(csv)], cwd=ROOT,
                           env={**env, "ATLAS_HOME": str(homes[0])}, check=True,
                           capture_output=True)
            csvs.append(csv)

        def import_on_first(csv: Path) -> None:
            subprocess.run([sys.executable, "-m", "geodata", "import", str(csv), "--kind",
                            "mixed"], cwd=ROOT, env={**env, "ATLAS_HOME": str(homes[0])},
                           check=True, capture_output=True)

        import_on_first(csvs[0])
        apps = [App(ROOT / "dashboard" / "app.py", h, {"DATABASE_URL": url}) for h in homes]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(apps[1].url + "/?kinds=referral")
            before = _referrals_shown(page)
            import_on_first(csvs[1])
            imported = time.time()
            shown, after = None, before
            while time.time() - imported < 60:
                page.reload()
                after = _referrals_shown(page)
                if after != before:
                    shown = time.time() - imported
                    break
            browser.close()
    finally:
        for app in apps:
            app.stop()
        _stop_postgres(data)
        for h in homes:
            shutil.rmtree(h, ignore_errors=True)
    ok = shown is not None and shown <= 5
    summary = (f"shown after {shown:.1f} s (referrals {before} → {after}; a page load on "
               "the second server)" if shown is not None else "not shown within 60 s")
    return {"shown_after_s": None if shown is None else round(shown, 1), "ok": ok,
            "summary": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", required=True, help="an atlas home that holds records")
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--pause-seconds", type=float, default=0.0,
                        help="how long each session looks at its map between clicks")
    parser.add_argument("--two-servers", action="store_true")
    parser.add_argument("--wards", default=str(ROOT / "var" / "wards.geojson"))
    args = parser.parse_args()
    result = {"load": load_test(Path(args.home), sessions=args.sessions,
                                seconds=args.seconds, pause_s=args.pause_seconds)}
    if args.two_servers:
        result["two_servers"] = two_servers(Path(args.home), Path(args.wards))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
