"""``python -m exports``: see :mod:`exports.cli`."""

from exports.cli import main

raise SystemExit(main())
