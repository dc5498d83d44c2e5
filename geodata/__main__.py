"""Entry point for ``python -m geodata``."""

from geodata.cli import main

raise SystemExit(main())
