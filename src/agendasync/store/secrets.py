"""Credentials at rest (R-INT-4): encrypted with Fernet, keys rotatable, shown only masked.

Keys come from `AGENDASYNC_SECRET_KEY` (one or more Fernet keys, comma-separated, the first
encrypts, all decrypt: add a new key in front to rotate), or else from a key file:
`AGENDASYNC_SECRET_KEY_FILE`, else the file beside the SQLite database (`demo.db.key` for
`demo.db`, so a command run from any folder finds the key of its database), else (a database
that is no file: PostgreSQL) `./agendasync.key`. A key file is made on first use with mode
0600. Before the key lived beside the database it was always `./agendasync.key`: that file is
still used, and said so, when the database has none beside it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEY_ENV = "AGENDASYNC_SECRET_KEY"
KEY_FILE_ENV = "AGENDASYNC_SECRET_KEY_FILE"
DEFAULT_KEY_FILE = "agendasync.key"
KEY_SUFFIX = ".key"  # demo.db.key beside demo.db


class SecretsError(Exception):
    pass


@dataclass(frozen=True)
class KeySource:
    """Where the keys came from, to name it when credentials cannot be opened."""

    file: Path | None = None  # None: the environment (or keys given directly)
    made_now: bool = False  # the file did not exist: this process made it
    older_default: bool = False  # ./agendasync.key of an older version, not the one beside

    def describe(self) -> str:
        if self.file is None:
            return f"the keys in {KEY_ENV}"
        return f"the key file {self.file}" + (" (made just now)" if self.made_now else "")

    def notice(self) -> str | None:
        """What the person running a command should know about the key in use."""
        if self.older_default and self.file is not None:
            return (
                f"using the key file {self.file} of an older version; move it beside the "
                "database (or set AGENDASYNC_SECRET_KEY_FILE) to keep them together"
            )
        return None


def _keys_from_file(path: Path) -> tuple[list[str], bool]:
    """The keys in `path` (made with a new key when missing), and whether it was made now."""
    try:
        made_now = not path.exists()
        if made_now:
            key = Fernet.generate_key().decode()
            # Created with 0600 from the start, so the key is never readable by others.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(key + "\n")
        keys = [line.strip() for line in path.read_text().splitlines() if line.strip()]
        return keys, made_now
    except IsADirectoryError:
        raise SecretsError(f"the secret key file {path} is a folder; name a file") from None
    except UnicodeDecodeError:
        raise SecretsError(f"the secret key file {path} is not a text file of keys") from None
    except OSError as exc:
        raise SecretsError(f"cannot use the secret key file {path}: {exc.strerror}") from None


def key_file(beside_database: Path | None) -> tuple[Path, bool]:
    """The key file to use (see the module's text) and whether it is the older default;
    `beside_database` is the key file's place beside the SQLite database (None: no file)."""
    configured = os.environ.get(KEY_FILE_ENV, "")
    if configured:
        return Path(configured).absolute(), False
    older = Path(DEFAULT_KEY_FILE).absolute()
    if beside_database is None:
        return older, False
    if not beside_database.exists() and older.is_file():
        return older, True
    return beside_database, False


def load_box(beside_database: Path | None = None) -> SecretBox:
    """The keys from the environment, else from the key file (`key_file`)."""
    keys = [k.strip() for k in os.environ.get(KEY_ENV, "").split(",") if k.strip()]
    if keys:
        return SecretBox(keys)
    path, older_default = key_file(beside_database)
    keys, made_now = _keys_from_file(path)
    return SecretBox(keys, KeySource(path, made_now=made_now, older_default=older_default))


class SecretBox:
    def __init__(self, keys: list[str], source: KeySource | None = None) -> None:
        self.source = source or KeySource()
        self._first_key = keys[0].encode() if keys else b""
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except ValueError as exc:
            raise SecretsError(
                "a secret key is not a valid Fernet key (32 url-safe base64-encoded bytes)"
            ) from exc

    def seal(self, values: Mapping[str, str]) -> str:
        return self._fernet.encrypt(json.dumps(dict(values)).encode()).decode()

    def open(self, token: str) -> dict[str, str]:
        try:
            values: dict[str, str] = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise SecretsError(
                f"stored credentials cannot be decrypted with {self.source.describe()}: the "
                "key that encrypted them is missing or different; use that key (its file, "
                f"{KEY_FILE_ENV} or {KEY_ENV}), or connect the partner again"
            ) from exc
        return values

    def derive(self, purpose: str) -> bytes:
        """A key for `purpose` (signing session cookies, speakers' portal links), derived from
        the encrypting key, so that it survives restarts without another secret to keep.
        Rotating the key signs people out and changes the portal links."""
        return hmac.new(self._first_key, purpose.encode(), hashlib.sha256).digest()

    def rotate(self, token: str) -> str:
        """Re-encrypt with the first key (after a new key was put in front)."""
        return self._fernet.rotate(token.encode()).decode()


def mask(value: str) -> str:
    """`••••3f9a`: enough to tell credentials apart, never enough to use them."""
    return "••••" + value[-4:] if len(value) > 8 else "••••"
