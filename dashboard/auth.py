"""Who is using the atlas, and what their role lets them do.

With OpenID Connect configured in Streamlit secrets (an ``[auth]`` section), signing in
with ``st.login`` is required, and the role comes from an allowlist::

    [atlas.roles]
    admin = ["lead.analyst@met.police.uk"]
    analyst = ["analyst@barnet.gov.uk"]
    viewer = ["*@barnet.gov.uk", "*@met.police.uk"]

    [atlas]
    idle_timeout_minutes = 30

Roles: *viewer* sees aggregates only; *analyst* also imports data and sees masked outreach
points; *admin* also manages datasets, boundaries and reads the audit log. A signed-in
user on no list is refused. Without sign-in configured, the app runs in a local
single-user mode with every role (or the role in ``ATLAS_LOCAL_ROLE``, e.g. ``viewer`` for a
screen in a briefing room), and says so on every page.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from geodata.escaping import escape_markdown
from geodata.settings import load_settings

VIEWER = "viewer"
ANALYST = "analyst"
ADMIN = "admin"
ROLES = (VIEWER, ANALYST, ADMIN)  # each role can do everything the ones before it can
DEFAULT_IDLE_MINUTES = 30
_LAST_SEEN = "_atlas_last_seen"
_ACCESS = "_atlas_access"


@dataclass(frozen=True)
class Access:
    """The current user and role."""

    user: str
    role: str
    signed_in: bool

    def at_least(self, role: str) -> bool:
        """Return whether this user's role includes ``role``."""
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def local_mode(self) -> bool:
        """True when no sign-in is configured (single-user mode)."""
        return not self.signed_in


LOCAL_ACCESS = Access(user="local user", role=ADMIN, signed_in=False)


def role_for(email: str, roles: Mapping[str, object]) -> str | None:
    """Return the highest role whose allowlist matches an e-mail address.

    Parameters
    ----------
    email : str
    roles : mapping of role to list of str
        Addresses or shell-style patterns (``*@barnet.gov.uk``), matched case-insensitively.

    Returns
    -------
    str or None
        ``None`` when no list matches.

    Examples
    --------
    >>> role_for("Ann@Barnet.gov.uk", {"viewer": ["*@barnet.gov.uk"], "admin": ["x@y.z"]})
    'viewer'
    """
    email = (email or "").strip().lower()
    if not email:
        return None
    for role in reversed(ROLES):
        patterns = roles.get(role) or []
        if isinstance(patterns, str):
            patterns = [patterns]
        if any(fnmatch.fnmatchcase(email, str(p).strip().lower()) for p in patterns):
            return role
    return None


def _secrets() -> Mapping:
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:
        return {}



def require_access() -> Access:
    """Return the current user's access, or stop the script with a sign-in screen.

    Returns
    -------
    Access
    """
    access = _resolve_access()
    st.session_state[_ACCESS] = access
    return access


def current_access() -> Access:
    """Return the access resolved by the entry point in this run (for pages)."""
    return st.session_state.get(_ACCESS) or require_access()


def require_role(role: str) -> Access:
    """Stop the page unless the current user has at least ``role``.

    Navigation already hides pages a role may not use; this guards a page reached by its
    URL all the same.
    """
    access = current_access()
    if not access.at_least(role):
        st.error(f"This page needs the {role} role; you are signed in as a {access.role}.")
        st.stop()
    return access


def _resolve_access() -> Access:
    secrets = _secrets()
    if "auth" not in secrets:
        return Access(user=LOCAL_ACCESS.user, role=load_settings().local_role, signed_in=False)
    atlas = secrets.get("atlas", {})
    if not st.user.is_logged_in:
        _sign_in_screen()
    if _idle_for_too_long(float(atlas.get("idle_timeout_minutes", DEFAULT_IDLE_MINUTES))):
        st.session_state.pop(_LAST_SEEN, None)
        st.logout()
        st.stop()
    email = str(st.user.get("email") or "")
    role = role_for(email, atlas.get("roles", {}))
    if role is None:
        st.error(
            "You are signed in as "
            f"{escape_markdown(email) or 'an account without an e-mail address'}, "
            "which is not on the atlas's allowlist. Ask the atlas administrator for access."
        )
        st.button("Sign out", key="auth_sign_out", on_click=st.logout)
        st.stop()
    return Access(user=email, role=role, signed_in=True)


def _idle_for_too_long(minutes: float) -> bool:
    now = time.time()
    last = st.session_state.get(_LAST_SEEN)
    st.session_state[_LAST_SEEN] = now
    return last is not None and now - last > minutes * 60


def _sign_in_screen() -> None:
    st.title("Barnet Outreach Atlas")
    st.write(
        "The atlas shows where modern-slavery referrals concentrate in Barnet and where "
        "outreach has been. Sign in with your organisation's account to continue."
    )
    st.button("Sign in", key="auth_sign_in", type="primary", on_click=st.login)
    st.stop()
