"""Data page: import files (dry run first), list datasets, delete them."""

import pandas as pd
import streamlit as st

from dashboard import auth, cache, components
from dashboard.ward_figures import render_ward_figures
from geodata.escaping import escape_markdown
from geodata.importing import IMPORT_KINDS, REPEAT_IN_FILE, store_report, validate_file
from geodata.readers import SUPPORTED

access = auth.require_role(auth.ANALYST)
store = cache.store()
geography, _ = cache.geography()

st.title("Data")
st.write(
    "Import the extracts that police, council and NGO systems export. Every file is checked "
    "row by row first (a dry run): nothing is stored until you confirm, and every row that "
    "cannot be used is listed with the reason. Names, dates of birth, notes, addresses and "
    "case numbers are dropped at the door; a case number is kept only as a keyed hash, to "
    "spot duplicates."
)

st.subheader("Import a file")
kind = st.radio(
    "The file holds",
    IMPORT_KINDS,
    key="import_kind",
    horizontal=True,
    format_func=lambda k: {
        "referral": "Referrals", "outreach": "Outreach activities",
        "mixed": "Both (a 'kind' column says which)", "crime": "police.uk street-level crime",
    }[k],
)
upload = st.file_uploader(
    "CSV, Excel, GeoJSON or GeoPackage", type=[s.lstrip(".") for s in SUPPORTED],
    key="import_file",
)
stored = st.session_state.setdefault("import_stored", {})
if upload is not None and upload.file_id in stored:
    dataset_id, replaced = stored[upload.file_id]
    instead = f" in place of dataset {replaced}" if replaced is not None else ""
    st.success(
        f"{escape_markdown(upload.name)} is stored as dataset {dataset_id}{instead}; every "
        "page now shows its records. Remove the file above to import another."
    )
elif upload is not None:
    # The choices below change how the file is checked, so they are read before checking.
    keys = {what: f"import_{what}_{upload.file_id}" for what in ("swap", "repeats", "mode")}
    fix_swapped = bool(st.session_state.get(keys["swap"], False))
    keep_repeats = bool(st.session_state.get(keys["repeats"], False))
    mode = st.session_state.get(keys["mode"])
    replacing = mode if isinstance(mode, int) else None
    marker = (upload.file_id, kind, fix_swapped, keep_repeats, replacing)
    if st.session_state.get("import_marker") != marker:
        bar = st.progress(0.0, text="Reading the file…")
        report = validate_file(
            upload.getvalue(), upload.name, kind=kind, wards=geography.wards,
            hash_key=cache.id_hash_key(), store=store, replacing=replacing,
            keep_repeats=keep_repeats, fix_swapped=fix_swapped,
            progress=lambda fraction, message: bar.progress(fraction, text=f"{message}…"),
        )
        bar.empty()
        st.session_state["import_marker"], st.session_state["import_report"] = marker, report
    report = st.session_state["import_report"]
    components.render_import_report(report)
    if report.swapped:
        st.checkbox(
            f"Swap latitude and longitude back in the {report.swapped:,} row(s) where they are "
            "recognisably the wrong way round", key=keys["swap"],
        )
    if keep_repeats or (report.rejected["reason"] == REPEAT_IN_FILE).any():
        st.checkbox(
            "Keep rows that repeat an earlier row exactly: several people found together and "
            "recorded alike (without a case id the atlas cannot tell them apart)",
            key=keys["repeats"],
        )
    if report.overlaps:
        names = {d.id: d.name for d in store.list_datasets()}
        new_rows = report.rows_accepted if replacing is None else None
        choices = {"new": "Add only the new rows" + (
            f" ({new_rows:,})" if new_rows is not None else "")}
        for dataset_id, count in sorted(report.overlaps.items()):
            choices[dataset_id] = (
                f"Replace dataset {dataset_id} ({names.get(dataset_id, 'deleted')}, "
                f"{count:,} of this file's rows) with this file"
            )
        st.radio(
            "Some rows of this file are already stored. Store only what is new, or store the "
            "file in place of the dataset it corrects?",
            list(choices), index=None, format_func=choices.get, key=keys["mode"],
        )
    chosen = not report.overlaps or mode is not None
    if report.rows_accepted:
        name = st.text_input("Dataset name", value=upload.name, key="import_name")
        label = (f"Replace dataset {replacing} with {report.rows_accepted:,} rows"
                 if replacing is not None else f"Store {report.rows_accepted:,} rows")
        if not chosen:
            st.caption("Choose above what to do with the rows already stored.")
        if st.button(label, key="import_confirm", type="primary", disabled=not chosen):
            bar = st.progress(0.0, text="Storing…")
            try:
                stored[upload.file_id] = (store_report(
                    store, report, imported_by=access.user, name=name,
                    progress=lambda fraction: bar.progress(fraction, text="Storing…"),
                ), replacing)
            except LookupError:
                st.error(f"Dataset {replacing} is no longer stored (someone deleted it): "
                         "choose again.")
            else:
                for key in ("import_marker", *keys.values()):
                    st.session_state.pop(key, None)
                st.rerun()
    elif report.overlaps and replacing is None and not report.error:
        st.info("Every usable row of this file is already stored: nothing new to add.")

render_ward_figures(access)

st.subheader("Datasets")
datasets = store.list_datasets()
if not datasets:
    st.info("No data has been imported yet, so the atlas shows the synthetic demo data.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "Id": [d.id for d in datasets],
                "Name": [d.name for d in datasets],
                "Holds": [d.kind for d in datasets],
                "Imported": [d.imported_at.strftime("%d/%m/%Y %H:%M") for d in datasets],
                "By": [d.imported_by for d in datasets],
                "Rows read": [d.rows_read for d in datasets],
                "Stored": [d.rows_accepted for d in datasets],
                "Rejected": [d.rows_rejected for d in datasets],
                "Synthetic": ["yes" if d.synthetic else "" for d in datasets],
            }
        ),
        hide_index=True,
        key="datasets_table",
    )
    if access.at_least(auth.ADMIN):
        labels = {d.id: f"{d.id}: {d.name} ({d.rows_accepted:,} rows)" for d in datasets}
        doomed = st.selectbox("Delete a dataset", list(labels), format_func=labels.get,
                              key="delete_choice")
        sure = st.checkbox("Yes, delete it and all its rows", key="delete_confirm")
        if st.button("Delete dataset", key="delete_button", disabled=not sure):
            store.delete_dataset(doomed)
            store.audit(user=access.user, action="delete", what=labels[doomed],
                        details={"dataset_id": doomed})
            st.session_state.pop("delete_confirm", None)
            st.rerun()
