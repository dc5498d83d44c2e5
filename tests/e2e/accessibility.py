"""axe-core, the accessibility checker, run inside a page or a frame of it."""

import pytest

from tests.e2e.conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")


def serious_axe_violations(target, tags=WCAG_AA) -> list[str]:
    """Run axe in ``target`` (a Playwright page or frame); list its serious and critical findings.

    Each finding reads ``rule (impact): help -> first targets``. Fails the test when axe-core is
    not installed or did not run.
    """
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` installs it with npm ci")
    target.add_script_tag(path=str(AXE))
    result = target.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        list(tags),
    )
    assert result["passes"], "axe did not run"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
