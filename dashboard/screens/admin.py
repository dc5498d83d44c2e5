"""Admin page: the audit log of imports, exports and deletions."""

import json

import streamlit as st

from dashboard import auth, cache

auth.require_role(auth.ADMIN)
st.title("Audit log")
st.write(
    "Every import, export and deletion is recorded here: who, when, what, and with which "
    "filters. The log is kept in the store and cannot be edited from the atlas."
)
log = cache.store().read_audit(limit=5000)
if log.empty:
    st.info("Nothing has been imported or exported yet.")
    st.stop()
actions = sorted(log["action"].unique())
chosen = st.multiselect("Actions", actions, default=actions, key="audit_actions")
who = st.selectbox("User", ["everyone", *sorted(log["user"].unique())], key="audit_user")
shown = log[log["action"].isin(chosen)]
if who != "everyone":
    shown = shown[shown["user"] == who]
st.dataframe(
    shown.assign(
        at=shown["at"].astype(str).str.slice(0, 19),
        details=shown["details"].map(lambda d: ", ".join(
            f"{k}: {v}" for k, v in json.loads(d).items())),
    ).rename(columns={"at": "When (UTC)", "user": "Who", "action": "Action", "what": "What",
                      "details": "Details"})[["When (UTC)", "Who", "Action", "What", "Details"]],
    hide_index=True,
    key="audit_table",
)
st.caption(f"{len(shown):,} of {len(log):,} entries shown.")
