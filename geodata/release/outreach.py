"""Outreach records as the atlas may use them: geomasked, and placed by the masked point.

Outreach records are not about victims, but where teams go repeatedly can point to a
shelter or a safe house, so their positions are geomasked (:mod:`geodata.release.geomask`)
and every count of outreach per ward or grid cell uses the *masked* position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OutreachIndex:
    """Every outreach record as small integer codes and a masked point.

    Attributes
    ----------
    day : numpy.ndarray of int32
        Days since 1970-01-01.
    week : numpy.ndarray of int32
        Week index (:func:`geodata.release.weeks.week_index`).
    category : numpy.ndarray of int8
        Position in the outreach controlled list.
    ward : numpy.ndarray of int16
        Ward position of the masked point.
    cells : dict of int to numpy.ndarray of int32
        Grid cell of the masked point, by cell size.
    x, y : numpy.ndarray of float32
        The masked point, EPSG:27700.
    synthetic : numpy.ndarray of bool
        Records from synthetic (demo) datasets.
    """

    day: np.ndarray
    week: np.ndarray
    category: np.ndarray
    ward: np.ndarray
    cells: dict[int, np.ndarray]
    x: np.ndarray
    y: np.ndarray
    synthetic: np.ndarray

    def __len__(self) -> int:
        """Return the number of records."""
        return len(self.day)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays, in bytes."""
        arrays = [self.day, self.week, self.category, self.ward, self.x, self.y]
        return int(sum(a.nbytes for a in [*arrays, *self.cells.values()]))

    def day_range(self) -> tuple[int, int] | None:
        """Return the first and last day number, or ``None`` when there are no records."""
        if not len(self.day):
            return None
        return int(self.day.min()), int(self.day.max())
