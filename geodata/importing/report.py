"""The import report: what a file held, row by row, in plain sentences and as a CSV."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geodata import vocab
from geodata.columns import (
    ColumnMatch,
)
from geodata.escaping import csv_safe
from geodata.importing.rejections import Rows, rejected_values
from geodata.readers import RawTable


@dataclass(frozen=True)
class ImportReport:
    """What an import found, row by row.

    Attributes
    ----------
    file_name : str
    kind : str
        ``referral``, ``outreach``, ``mixed`` or ``crime``.
    rows_read : int
        Every record row in the file.
    accepted : pandas.DataFrame
        The rows to store, in canonical form (records or crime rows).
    rejected : pandas.DataFrame
        ``row`` (spreadsheet row number, header = 1), ``reason``, ``column`` (blank when
        no one column is to blame).
    columns : ColumnMatch or None
        How the columns were understood.
    fallbacks : dict of str to dict
        Values mapped to "not known" or "other", per field, with counts.
    notes : tuple of str
        How the file was read and any whole-file problem recognised.
    synthetic : bool
        The file marks its records as synthetic demo data.
    error : str or None
        Set when the file could not be read at all.
    rejected_values : pandas.DataFrame
        The rejected rows' own values in the columns the atlas reads, under the file's own
        headers, indexed by row number (blank cells empty). Dropped identifying columns and
        unused columns are never kept.
    overlaps : dict of int to int
        Dataset id -> how many rows of this file are already stored in it (same source id,
        or same content for rows without one).
    replacing : int or None
        The dataset this import is checked to replace: rows already stored in it are
        accepted, not rejected.
    swapped : int
        Rows recognised as having latitude and longitude swapped.
    swapped_fixed : bool
        Whether those rows were read with the two values exchanged back.
    """

    file_name: str
    kind: str
    rows_read: int
    accepted: pd.DataFrame
    rejected: pd.DataFrame
    columns: ColumnMatch | None = None
    fallbacks: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    synthetic: bool = False
    error: str | None = None
    rejected_values: pd.DataFrame = field(default_factory=pd.DataFrame)
    overlaps: dict[int, int] = field(default_factory=dict)
    replacing: int | None = None
    swapped: int = 0
    swapped_fixed: bool = False

    @classmethod
    def unreadable(cls, name: str, kind: str, message: str) -> ImportReport:
        """Return the report on a file that could not be read at all."""
        return cls(
            file_name=name, kind=kind, rows_read=0, accepted=pd.DataFrame(),
            rejected=pd.DataFrame(columns=["row", "reason", "column"]), error=message,
        )

    @classmethod
    def checked(
        cls, raw: RawTable, name: str, kind: str, columns: ColumnMatch, rows: Rows,
        notes: list[str], accepted: pd.DataFrame, **found: Any,
    ) -> ImportReport:
        """Return the report on a file checked row by row.

        Parameters
        ----------
        raw : RawTable
            The file as read.
        name, kind : str
        columns : ColumnMatch
        rows : Rows
            Each row's first reason for rejection, if any.
        notes : list of str
        accepted : pandas.DataFrame
            The rows to store.
        **found
            Any other field of the report (``fallbacks``, ``overlaps``, ``swapped``...).
        """
        return cls(
            file_name=name, kind=kind, rows_read=raw.rows_read, accepted=accepted,
            rejected=rows.frame(raw.broken), columns=columns, notes=tuple(notes),
            rejected_values=rejected_values(raw, columns, rows), **found,
        )

    @property
    def rows_accepted(self) -> int:
        """Rows that can be stored."""
        return len(self.accepted)

    @property
    def rows_rejected(self) -> int:
        """Rows that cannot, each with a reason."""
        return len(self.rejected)

    def reasons(self) -> pd.Series:
        """Return how many rows were rejected for each reason, most frequent first."""
        return self.rejected["reason"].value_counts()

    def summary(self) -> list[str]:
        """Return the report in plain sentences."""
        if self.error:
            return [f"The file could not be read: {self.error}"]
        lines = [
            f"{self.file_name}: {self.rows_read:,} rows read, {self.rows_accepted:,} "
            f"accepted, {self.rows_rejected:,} rejected ({self.kind} records).",
            *self.notes,
        ]
        for reason, count in self.reasons().items():
            rows = self.rejected.loc[self.rejected["reason"] == reason, "row"].head(5).tolist()
            more = " ..." if count > 5 else ""
            lines.append(f"Rejected, {reason}: {count:,} (rows {', '.join(map(str, rows))}{more}).")
        if self.columns is not None:
            used = ", ".join(f"{f} ← '{c}'" for f, c in self.columns.fields.items())
            lines.append(f"Columns used: {used or 'none'}.")
            if self.columns.identifiers:
                lines.append(
                    "Dropped, never stored (identifying): "
                    + ", ".join(f"'{c}'" for c in self.columns.identifiers) + "."
                )
            if self.columns.ignored:
                lines.append(
                    "Not used, not stored: "
                    + ", ".join(f"'{c}'" for c in self.columns.ignored) + "."
                )
        lines.extend(self._overlap_lines())
        for what, counts in self.fallbacks.items():
            listed = ", ".join(f"'{v}' ({n:,})" for v, n in list(counts.items())[:8])
            lines.append(f"Unrecognised {what} recorded as '{fallback_word(what)}': {listed}.")
        if self.synthetic:
            lines.append("The file is marked as SYNTHETIC DEMO DATA.")
        return lines

    def _overlap_lines(self) -> list[str]:
        lines = []
        for dataset_id, count in sorted(self.overlaps.items()):
            if dataset_id == self.replacing:
                lines.append(
                    f"Dataset {dataset_id} will be replaced: its records are deleted and this "
                    f"file's {self.rows_accepted:,} accepted rows stored in their place, in one "
                    f"step ({count:,} of them were already stored in it)."
                )
            else:
                lines.append(
                    f"{count:,} row(s) of this file are already stored in dataset {dataset_id}: "
                    "they are left out, so storing adds only the new rows. To store the whole "
                    f"file in place of dataset {dataset_id}, replace it instead."
                )
        if self.replacing is not None and self.replacing not in self.overlaps:
            lines.append(
                f"Dataset {self.replacing} will be replaced: its records are deleted and this "
                f"file's {self.rows_accepted:,} accepted rows stored in their place, in one step."
            )
        return lines

    def rejected_rows(self) -> pd.DataFrame:
        """Return every rejected row with its reason and its own values, blanks empty.

        Columns: ``row``, ``reason``, ``column``, then the file's columns the atlas reads
        (see :attr:`rejected_values`), so the rows can be fixed and imported again.
        """
        table = self.rejected.copy()
        table["column"] = table["column"].fillna("")
        values = self.rejected_values
        if values.empty or table.empty:
            return table
        extra = values.reindex(table["row"].to_numpy()).fillna("").reset_index(drop=True)
        extra.columns = [c if c not in table.columns else f"{c} (file)" for c in extra.columns]
        return pd.concat([table.reset_index(drop=True), extra], axis=1)

    def to_csv(self) -> bytes:
        """Return the rejected rows as a formula-safe CSV (row, reason, column, values).

        A text cell a spreadsheet would read as a formula gets a leading apostrophe;
        plain numbers (``-0.2``) are left as they are, so the file imports again.
        """
        table = self.rejected_rows()
        safe = pd.DataFrame(
            {csv_safe(str(c)): table[c].map(_csv_cell) for c in table.columns},
            index=table.index,
        )
        return safe.to_csv(index=False).encode("utf-8")


_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def _csv_cell(value: object) -> object:
    """Make one cell formula-safe, leaving plain numbers as they are."""
    if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value.strip()):
        return value
    return csv_safe(value)


def fallback_word(what: str) -> str:
    """Return the value an unrecognised value of a field is recorded as."""
    return "other" if what == "outreach category" else vocab.NOT_KNOWN
