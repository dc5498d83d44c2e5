"""Old name of :mod:`geodata.ward_figures`, kept only so ``dashboard/sidebar.py`` imports.

Delete this file once ``dashboard/sidebar.py`` imports ``POPULATION`` from
:mod:`geodata.ward_figures` (its owner changes that line when the branches meet).
"""

from geodata.ward_figures import POPULATION

__all__ = ["POPULATION"]
