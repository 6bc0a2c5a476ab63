"""Secrets kept at rest: CalDAV passwords, encrypted with Fernet (AES-128-CBC + HMAC).

The key is PLYOPLAN_SECRET_KEY (a Fernet key: 32 url-safe base64 bytes, e.g. from
``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``)
or, without it, a key file created once in the data directory (readable by its owner
only). Several server processes on one machine share the file; on several hosts set the
variable. A secret is decrypted only at the moment it is handed to a CalDAV server.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Engine

from web.settings import WebSettings

__all__ = ["encrypt", "decrypt", "SecretUnreadable", "KEY_FILE", "configure",
           "settings_for"]

KEY_FILE = "secret.key"


_APPS: dict[int, WebSettings] = {}  # by id(engine): the settings of the app that owns it


def configure(engine: Engine, settings: WebSettings) -> None:
    """Tie the engine to the app's settings: code that only has the engine (web.store's
    hooks, a background push) finds the key and the address rules through it."""
    _APPS[id(engine)] = settings


def settings_for(engine: Engine) -> WebSettings | None:
    """The settings of the app that owns `engine`; None outside an app."""
    return _APPS.get(id(engine))


class SecretUnreadable(Exception):
    """Raised when a stored secret was encrypted with another key (the key changed)."""


def _key(settings: WebSettings) -> bytes:
    if settings.secret_key:
        return settings.secret_key.get_secret_value().encode()
    path = settings.data_dir / KEY_FILE
    return _key_file(path)


@lru_cache(maxsize=8)
def _key_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of processes starting at once exactly one creates the key; the others
        # read what it wrote.
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(100):
            key = path.read_bytes().strip()
            if key:
                return key
            os.sched_yield()
        raise
    key = Fernet.generate_key()
    with os.fdopen(handle, "wb") as out:
        out.write(key)
    return key


def _fernet(settings: WebSettings) -> Fernet:
    return Fernet(_key(settings))


def encrypt(settings: WebSettings, secret: str) -> str:
    return _fernet(settings).encrypt(secret.encode()).decode()


def decrypt(settings: WebSettings, token: str) -> str:
    try:
        return _fernet(settings).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("a stored password was encrypted with another key; link "
                               "the calendar again") from None
