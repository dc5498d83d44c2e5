"""Kept so ``geodata.importer`` imports keep working: the importer is :mod:`geodata.importing`."""

from geodata.importing import *  # noqa: F403
from geodata.importing import __all__  # noqa: F401
