"""Storing a checked import as one dataset and auditing it."""

from __future__ import annotations

from collections.abc import Callable

from geodata.importing.report import ImportReport
from geodata.store import Store


def store_report(
    store: Store,
    report: ImportReport,
    *,
    imported_by: str,
    name: str | None = None,
    progress: Callable[[float], None] | None = None,
) -> int:
    """Store the accepted rows of a report as one dataset (atomically) and audit it.

    When the report was checked to replace a dataset (``report.replacing``), that dataset
    is deleted in the same transaction.

    Parameters
    ----------
    store : Store
    report : ImportReport
        From :func:`validate_file`; must have accepted rows.
    imported_by : str
    name : str, optional
        Dataset name; defaults to the file name.
    progress : callable, optional
        Called with the fraction written.

    Returns
    -------
    int
        The dataset id.

    Raises
    ------
    ValueError
        When the report has nothing to store.
    LookupError
        When the dataset to replace is no longer stored (nothing is changed).
    """
    if report.error or not report.rows_accepted:
        raise ValueError("the report has no accepted rows to store")
    dataset_id = store.add_dataset(
        name=name or report.file_name,
        kind=report.kind,
        rows=report.accepted,
        imported_by=imported_by,
        rows_read=report.rows_read,
        rows_rejected=report.rows_rejected,
        synthetic=report.synthetic,
        progress=progress,
        replaces=report.replacing,
    )
    store.audit(
        user=imported_by,
        action="import",
        what=name or report.file_name,
        details={
            "dataset_id": dataset_id,
            "kind": report.kind,
            "rows_read": report.rows_read,
            "rows_accepted": report.rows_accepted,
            "rows_rejected": report.rows_rejected,
            "replaced_dataset_id": report.replacing,
        },
    )
    return dataset_id
