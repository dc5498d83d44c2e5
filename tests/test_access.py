"""Sign-in and roles, through AppTest with at.secrets and at.user."""

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import role_for
from geodata.escaping import escape_markdown
from tests.test_app import shows_figures

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret",
        "client_id": "atlas",
        "client_secret": "secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    },
    "atlas": {
        "idle_timeout_minutes": 30,
        "roles": {
            "admin": ["lead@met.police.uk"],
            "analyst": ["analyst@barnet.gov.uk"],
            "viewer": ["*@barnet.gov.uk"],
        },
    },
}
VIEWER = {"is_logged_in": True, "email": "planner@barnet.gov.uk"}
ANALYST = {"is_logged_in": True, "email": "analyst@barnet.gov.uk"}
ADMIN = {"is_logged_in": True, "email": "lead@met.police.uk"}


def signed_in(user) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets = SECRETS
    at.user = user
    return at.run()


def known_pages(at: AppTest) -> set[str]:
    try:
        at.switch_page("screens/__init__.py")  # a real file that is never a page
    except ValueError as error:
        listed = str(error).split("Known pages: ")[1].strip(".[]'")
        return {Path(p).stem for p in listed.split("', '")}
    raise AssertionError("switch_page should have refused an unknown page")


def texts(at: AppTest) -> str:
    return " ".join(e.value for e in [*at.markdown, *at.info, *at.warning, *at.caption, *at.error])


def test_signed_out_sees_only_the_sign_in_screen(atlas_home):
    at = signed_in({"is_logged_in": False})
    assert not at.exception
    assert [b.key for b in at.button] == ["auth_sign_in"]
    assert not shows_figures(at) and not at.dataframe


def test_unlisted_account_is_refused(atlas_home):
    at = signed_in({"is_logged_in": True, "email": "someone@example.com"})
    assert "not on the atlas's allowlist" in at.error[0].value
    assert [b.key for b in at.button] == ["auth_sign_out"] and not shows_figures(at)


def test_viewer_sees_aggregates_only(atlas_home):
    at = signed_in(VIEWER)
    assert not at.exception
    assert known_pages(at) == {"map", "priorities", "trends"}
    assert f"Signed in as {escape_markdown('planner@barnet.gov.uk')} (viewer)" in texts(at)
    assert "Local single-user mode" not in texts(at)
    legend = " ".join(h.value for h in at.get("html"))
    assert "outreach activities per ward" in legend and "location masked" not in legend


def test_analyst_imports_and_sees_masked_points(atlas_home):
    at = signed_in(ANALYST)
    assert known_pages(at) == {"map", "priorities", "trends", "data"}
    legend = " ".join(h.value for h in at.get("html"))
    assert "one outreach activity (location masked)" in legend
    at.switch_page("screens/data.py").run()
    assert not at.exception
    assert at.file_uploader(key="import_file")


def test_admin_manages_datasets_boundaries_and_reads_the_audit_log(atlas_home):
    at = signed_in(ADMIN)
    assert known_pages(at) == {"map", "priorities", "trends", "data", "setup", "admin"}
    at.switch_page("screens/admin.py").run()
    assert not at.exception
    assert at.title[0].value == "Audit log"


def test_roles_from_the_allowlist():
    roles = SECRETS["atlas"]["roles"]
    assert role_for("LEAD@met.police.uk", roles) == "admin"
    assert role_for("analyst@barnet.gov.uk", roles) == "analyst"  # highest role wins
    assert role_for("anyone@barnet.gov.uk", roles) == "viewer"
    assert role_for("anyone@barnet.gov.uk.evil.com", roles) is None
    assert role_for("", roles) is None


def test_idle_session_is_signed_out(atlas_home):
    at = signed_in(VIEWER)
    assert shows_figures(at)
    at.session_state["_atlas_last_seen"] = time.time() - 31 * 60
    at.run()
    assert not shows_figures(at)  # stopped before any page ran


@pytest.mark.parametrize("user", [VIEWER, ANALYST], ids=["viewer", "analyst"])
def test_restricted_pages_check_the_role_themselves(atlas_home, user):
    from dashboard.auth import ADMIN as ADMIN_ROLE
    from dashboard.auth import Access

    # Even if a page were reached by its URL, its own guard stops it.
    at = AppTest.from_string(
        "import streamlit as st\n"
        "from dashboard import auth\n"
        f"st.session_state['_atlas_access'] = auth.Access(user='{user['email']}', "
        f"role='{'viewer' if user is VIEWER else 'analyst'}', signed_in=True)\n"
        "auth.require_role(auth.ADMIN)\n"
        "st.write('admin content')\n",
        default_timeout=30,
    ).run()
    assert "needs the admin role" in at.error[0].value
    assert not any("admin content" in m.value for m in at.markdown)
    assert Access("x", ADMIN_ROLE, True).at_least("analyst")
