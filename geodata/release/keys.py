"""Secret keys: configured, from the environment, or created once per installation."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from geodata.settings import private_folder

GEOMASK_KEY_ENV = "ATLAS_GEOMASK_KEY"
ID_HASH_KEY_ENV = "ATLAS_ID_HASH_KEY"


def load_secret_key(configured: str | None, key_file: Path, env_var: str) -> bytes:
    """Return a secret key: configured, from the environment, or created once locally.

    A configured key (Streamlit secrets) wins, then the environment variable; otherwise a
    random key is created once in the atlas home (mode 0600) so that it stays stable across
    restarts of a local installation. Keys are never shown or logged.

    Parameters
    ----------
    configured : str or None
        The key from secrets.
    key_file : Path
        Where the local key lives.
    env_var : str
        The environment variable to read.

    Returns
    -------
    bytes
    """
    configured = configured or os.environ.get(env_var)
    if configured:
        return configured.encode("utf-8")
    if not key_file.exists():
        private_folder(key_file.parent)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return key_file.read_text(encoding="utf-8").strip().encode("utf-8")


def load_geomask_key(configured: str | None, key_file: Path) -> bytes:
    """Return the geomasking key (secrets, ``ATLAS_GEOMASK_KEY``, or a local key file)."""
    return load_secret_key(configured, key_file, GEOMASK_KEY_ENV)


