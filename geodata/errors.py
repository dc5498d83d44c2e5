"""One family of errors for bad data, each saying what, where and how to fix it."""

from __future__ import annotations


class AtlasDataError(ValueError):
    """Bad input from a user: a file, a download, a parameter.

    Pages catch this and show the message; anything else is a bug and propagates.

    Parameters
    ----------
    problem : str
        What is wrong, in plain words.
    source : str, optional
        Where: a file name or URL.
    row : int, optional
        The 1-based data row, when the problem is in one row.
    column : str, optional
        The column name, when the problem is in one column.
    fix : str, optional
        How to put it right.
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        row: int | None = None,
        column: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.row = row
        self.column = column
        self.fix = fix
        super().__init__(self.message)

    @property
    def where(self) -> str:
        """Where the problem is: file, row and column as far as known."""
        parts = []
        if self.source:
            parts.append(str(self.source))
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    @property
    def message(self) -> str:
        """The full message: where, what and the fix."""
        text = f"{self.where}: {self.problem}" if self.where else self.problem
        if self.fix:
            text = f"{text} Fix: {self.fix}"
        return text


class BoundaryError(AtlasDataError):
    """Ward boundaries that cannot be used (bad file, wrong area, invalid shapes)."""


class DownloadError(AtlasDataError):
    """A download that failed: network, HTTP status, a service error or an unusable body."""


class ImportFileError(AtlasDataError):
    """A record file that cannot be read at all."""


class FilterError(AtlasDataError):
    """A filter or parameter value outside what the atlas allows."""
