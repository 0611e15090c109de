"""Where the terminal keeps things, and how a core URL gets its password.

The default core is a SQLite file under the user's data directory
(platformdirs), so the terminal runs with nothing configured.  A PostgreSQL
URL is written *without* its password; the password lives in the system
keyring under service ``teller-core`` and user ``<user>@<host>:<port>/<db>``,
and is put into the URL only in memory when connecting.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import platformdirs

APP = "teller"
KEYRING_SERVICE = "teller-core"


def data_dir() -> Path:
    return Path(os.environ.get("TELLER_DATA_DIR") or platformdirs.user_data_dir(APP, False))


def config_dir() -> Path:
    return Path(os.environ.get("TELLER_CONFIG_DIR") or platformdirs.user_config_dir(APP, False))


def default_core_url() -> str:
    return f"sqlite:///{data_dir() / 'core.sqlite'}"


def _keyring_user(parts) -> str:
    return f"{parts.username}@{parts.hostname}:{parts.port or 5432}{parts.path}"


def with_keyring_password(url: str) -> str:
    """Fill in the password from the keyring when the URL has a user but none."""
    parts = urlsplit(url)
    if not parts.username or parts.password is not None or url.startswith("sqlite"):
        return url
    try:
        import keyring
        secret = keyring.get_password(KEYRING_SERVICE, _keyring_user(parts))
    except Exception:  # noqa: BLE001 - no keyring backend: connect without a password
        secret = None
    if not secret:
        return url
    netloc = f"{quote(parts.username)}:{quote(secret, safe='')}@{parts.hostname}"
    netloc += f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def store_keyring_password(url: str, password: str) -> str:
    """Save ``password`` for ``url`` in the keyring; return the URL without it."""
    import keyring
    parts = urlsplit(url)
    keyring.set_password(KEYRING_SERVICE, _keyring_user(parts), password)
    netloc = f"{quote(parts.username or '')}@{parts.hostname}"
    netloc += f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
