"""Donut geomasking of outreach places, keyed to the place rather than the record.

Outreach records in the same square of ``place_cell_m`` (a fixed grid) are one *place*: they
all move by the same displacement, between ``geomask_min_m`` and ``geomask_max_m`` in a
direction, both fixed by a keyed hash of the square. Fifty weekly visits to one shelter,
recorded a few metres apart each time, move together, so averaging their masked points
gives the shelter plus one secret displacement, never the shelter. (Keyed to the exact
metre, as first built, jittered visits got independent displacements and averaged back to
within 20-70 m: the independent review measured it.) Each record still moves by the full
displacement from its own position, so no masked point lies closer than ``geomask_min_m``.
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import shapely

from geodata.release.policy import DEFAULT_POLICY, ReleasePolicy

_MAX_ATTEMPTS = 64


def _keyed_uniforms(key: bytes, places: np.ndarray, attempt: int) -> tuple[np.ndarray, ...]:
    u = np.empty((len(places), 2))
    for i, (px, py) in enumerate(places):
        message = f"{px}\x1f{py}\x1f{attempt}".encode()
        digest = hmac.new(key, message, hashlib.sha256).digest()
        u[i, 0] = int.from_bytes(digest[:8], "big") / 2**64
        u[i, 1] = int.from_bytes(digest[8:16], "big") / 2**64
    return u[:, 0], u[:, 1]


def geomask_points(
    x, y, *, key: bytes, within, policy: ReleasePolicy = DEFAULT_POLICY
) -> tuple[np.ndarray, np.ndarray]:
    """Donut-mask points: every place (square) moves by its own keyed, stable displacement.

    The distance is drawn uniformly by area between ``geomask_min_m`` and
    ``geomask_max_m``; a record that would land outside ``within`` takes its square's
    displacement under the next attempt number, until it lands inside.

    Parameters
    ----------
    x, y : array-like of float
        True coordinates in EPSG:27700.
    key : bytes
        The secret key (:func:`geodata.release.keys.load_geomask_key`).
    within : shapely geometry
        The area masked points must stay in (Barnet's outline).
    policy : ReleasePolicy

    Returns
    -------
    tuple of numpy.ndarray
        Masked x and y.

    Raises
    ------
    ValueError
        When x and y differ in length or the key is empty.
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    if len(x) != len(y):
        raise ValueError("x and y must have the same length")
    if not key:
        raise ValueError("the geomasking key must not be empty")
    squares = np.floor(np.column_stack([x, y]) / policy.place_cell_m).astype("int64")
    places, which = np.unique(squares, axis=0, return_inverse=True)
    which = which.ravel()
    shapely.prepare(within)
    out_x, out_y = x.copy(), y.copy()
    todo = np.arange(len(x))
    r_min2, r_max2 = policy.geomask_min_m**2, policy.geomask_max_m**2
    for attempt in range(_MAX_ATTEMPTS):
        if not len(todo):
            break
        needed, back = np.unique(which[todo], return_inverse=True)
        u_r, u_theta = _keyed_uniforms(key, places[needed], attempt)
        radius = np.sqrt(r_min2 + u_r * (r_max2 - r_min2))[back.ravel()]
        theta = 2 * np.pi * u_theta[back.ravel()]
        cx = x[todo] + radius * np.cos(theta)
        cy = y[todo] + radius * np.sin(theta)
        ok = shapely.contains_xy(within, cx, cy)
        out_x[todo[ok]], out_y[todo[ok]] = cx[ok], cy[ok]
        todo = todo[~ok]
    if len(todo):  # pragma: no cover - needs a place boxed in by the boundary on all sides
        snapped = shapely.point_on_surface(within)
        out_x[todo], out_y[todo] = snapped.x, snapped.y
    return out_x, out_y
