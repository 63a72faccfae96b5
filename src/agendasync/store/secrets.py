"""Credentials at rest (R-INT-4): encrypted with Fernet, keys rotatable, shown only masked.

Keys come from `AGENDASYNC_SECRET_KEY` (one or more Fernet keys, comma-separated, the first
encrypts, all decrypt: add a new key in front to rotate), or else from a key file
(`AGENDASYNC_SECRET_KEY_FILE`, default `./agendasync.key`) made on first use with mode 0600.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

DEFAULT_KEY_FILE = "agendasync.key"


class SecretsError(Exception):
    pass


def _keys_from_file(path: Path) -> list[str]:
    try:
        if not path.exists():
            key = Fernet.generate_key().decode()
            # Created with 0600 from the start, so the key is never readable by others.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(key + "\n")
        return [line.strip() for line in path.read_text().splitlines() if line.strip()]
    except IsADirectoryError:
        raise SecretsError(f"the secret key file {path} is a folder; name a file") from None
    except UnicodeDecodeError:
        raise SecretsError(f"the secret key file {path} is not a text file of keys") from None
    except OSError as exc:
        raise SecretsError(f"cannot use the secret key file {path}: {exc.strerror}") from None


def load_box() -> SecretBox:
    configured = os.environ.get("AGENDASYNC_SECRET_KEY", "")
    keys = [k.strip() for k in configured.split(",") if k.strip()]
    if not keys:
        keys = _keys_from_file(Path(os.environ.get("AGENDASYNC_SECRET_KEY_FILE", DEFAULT_KEY_FILE)))
    return SecretBox(keys)


class SecretBox:
    def __init__(self, keys: list[str]) -> None:
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
                "stored credentials cannot be decrypted with the configured keys; "
                "was AGENDASYNC_SECRET_KEY changed without keeping the old key?"
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
