"""Benchmarks of the atlas next to the raw-point approach; run with ``make bench``."""
