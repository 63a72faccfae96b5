"""R-INT-4: credentials encrypted at rest, keys rotatable, shown only masked."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from agendasync.store.secrets import KeySource, SecretBox, SecretsError, load_box, mask

CREDENTIALS = {"key": "consumer-key-1234", "secret": "s3cr3t-swoogo-3f9a"}
WRONG_KEY_MESSAGE = (
    "stored credentials cannot be decrypted with the keys in AGENDASYNC_SECRET_KEY: the key "
    "that encrypted them is missing or different; use that key (its file, "
    "AGENDASYNC_SECRET_KEY_FILE or AGENDASYNC_SECRET_KEY), or connect the partner again"
)
INVALID_KEY_MESSAGE = "a secret key is not a valid Fernet key (32 url-safe base64-encoded bytes)"


def _key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("AGENDASYNC_SECRET_KEY", raising=False)
    monkeypatch.delenv("AGENDASYNC_SECRET_KEY_FILE", raising=False)
    return monkeypatch


def test_sealed_credentials_open_to_the_same_values_r_int_4() -> None:
    box = SecretBox([_key()])

    assert box.open(box.seal(CREDENTIALS)) == CREDENTIALS


def test_sealed_text_does_not_hold_the_secret_r_int_4() -> None:
    sealed = SecretBox([_key()]).seal(CREDENTIALS)

    assert "s3cr3t-swoogo-3f9a" not in sealed
    assert "consumer-key-1234" not in sealed
    assert "secret" not in sealed


def test_wrong_key_refused_with_a_clear_message_r_int_4() -> None:
    sealed = SecretBox([_key()]).seal(CREDENTIALS)

    with pytest.raises(SecretsError) as refused:
        SecretBox([_key()]).open(sealed)

    assert str(refused.value) == WRONG_KEY_MESSAGE


def test_tampered_token_refused_r_int_4() -> None:
    box = SecretBox([_key()])

    with pytest.raises(SecretsError) as refused:
        box.open("not-a-token")

    assert str(refused.value) == WRONG_KEY_MESSAGE


@pytest.mark.parametrize("keys", [["not-a-key"], [_key(), "short"], []])
def test_invalid_key_refused_r_int_4(keys: list[str]) -> None:
    with pytest.raises(SecretsError) as refused:
        SecretBox(keys)

    assert str(refused.value) == INVALID_KEY_MESSAGE


def test_invalid_key_in_the_environment_refused_r_int_4(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENDASYNC_SECRET_KEY", "not-a-key")

    with pytest.raises(SecretsError) as refused:
        load_box()

    assert str(refused.value) == INVALID_KEY_MESSAGE


@pytest.mark.parametrize("separator", [",", ", ", " , "])
def test_rotation_old_key_still_opens_and_rotate_reseals_with_the_new_r_int_4(
    monkeypatch: pytest.MonkeyPatch, separator: str
) -> None:
    old, new = _key(), _key()
    sealed_with_old = SecretBox([old]).seal(CREDENTIALS)
    monkeypatch.setenv("AGENDASYNC_SECRET_KEY", f"{new}{separator}{old}")
    box = load_box()

    rotated = box.rotate(sealed_with_old)

    assert box.open(sealed_with_old) == CREDENTIALS
    assert SecretBox([new]).open(rotated) == CREDENTIALS
    with pytest.raises(SecretsError):
        SecretBox([old]).open(rotated)


def test_first_key_encrypts_r_int_4(monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = _key(), _key()
    monkeypatch.setenv("AGENDASYNC_SECRET_KEY", f"{new},{old}")

    sealed = load_box().seal(CREDENTIALS)

    assert SecretBox([new]).open(sealed) == CREDENTIALS
    with pytest.raises(SecretsError):
        SecretBox([old]).open(sealed)


def test_key_file_made_with_mode_0600_and_reused_r_int_4(
    no_env_key: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key_file = tmp_path / "secret.key"
    no_env_key.setenv("AGENDASYNC_SECRET_KEY_FILE", str(key_file))

    sealed = load_box().seal(CREDENTIALS)
    written = key_file.read_text()
    reopened = load_box().open(sealed)

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(written.splitlines()) == 1
    assert SecretBox([written.strip()]).open(sealed) == CREDENTIALS
    assert reopened == CREDENTIALS
    assert key_file.read_text() == written


def test_key_file_defaults_to_the_working_directory_without_a_database_file_r_int_4(
    no_env_key: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    no_env_key.chdir(tmp_path)

    box = load_box(None)  # PostgreSQL: no file to keep the key beside

    assert [p.name for p in tmp_path.iterdir()] == ["agendasync.key"]
    assert stat.S_IMODE((tmp_path / "agendasync.key").stat().st_mode) == 0o600
    assert box.source == KeySource(tmp_path / "agendasync.key", made_now=True)


def test_key_file_lives_beside_the_database_whatever_the_folder_r_int_4(
    no_env_key: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "elsewhere").mkdir()
    beside = tmp_path / "data" / "demo.db.key"
    no_env_key.chdir(tmp_path / "data")
    sealed = load_box(beside).seal(CREDENTIALS)
    no_env_key.chdir(tmp_path / "elsewhere")

    box = load_box(beside)

    assert box.open(sealed) == CREDENTIALS
    assert box.source == KeySource(beside)
    assert list((tmp_path / "elsewhere").iterdir()) == []
    assert stat.S_IMODE(beside.stat().st_mode) == 0o600


def test_an_older_key_in_the_working_directory_is_used_and_said_r_int_4(
    no_env_key: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    older = tmp_path / "agendasync.key"
    older.write_text(_key() + "\n")
    sealed = SecretBox([older.read_text().strip()]).seal(CREDENTIALS)
    beside = tmp_path / "db" / "demo.db.key"
    no_env_key.chdir(tmp_path)

    box = load_box(beside)

    assert box.open(sealed) == CREDENTIALS
    assert not beside.exists()
    assert box.source.notice() == (
        f"using the key file {older} of an older version; move it beside the database "
        "(or set AGENDASYNC_SECRET_KEY_FILE) to keep them together"
    )


def test_the_key_beside_the_database_wins_over_an_older_one_r_int_4(
    no_env_key: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "agendasync.key").write_text(_key() + "\n")
    beside = tmp_path / "demo.db.key"
    beside.write_text(_key() + "\n")
    no_env_key.chdir(tmp_path)

    box = load_box(beside)

    assert box.source == KeySource(beside)
    assert box.source.notice() is None


def test_undecryptable_credentials_name_the_key_file_r_int_4(
    no_env_key: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sealed = SecretBox([_key()]).seal(CREDENTIALS)
    beside = tmp_path / "demo.db.key"
    no_env_key.chdir(tmp_path)

    with pytest.raises(SecretsError) as missing:
        load_box(beside).open(sealed)
    with pytest.raises(SecretsError) as different:
        load_box(beside).open(sealed)

    remedy = (
        ": the key that encrypted them is missing or different; use that key (its file, "
        "AGENDASYNC_SECRET_KEY_FILE or AGENDASYNC_SECRET_KEY), or connect the partner again"
    )
    assert str(missing.value) == (
        f"stored credentials cannot be decrypted with the key file {beside} (made just now)"
        + remedy
    )
    assert str(different.value) == (
        f"stored credentials cannot be decrypted with the key file {beside}" + remedy
    )


def test_key_file_with_several_keys_rotates_r_int_4(
    no_env_key: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    old, new = _key(), _key()
    key_file = tmp_path / "secret.key"
    key_file.write_text(f"{new}\n\n{old}\n")
    no_env_key.setenv("AGENDASYNC_SECRET_KEY_FILE", str(key_file))
    sealed_with_old = SecretBox([old]).seal(CREDENTIALS)

    box = load_box()

    assert box.open(sealed_with_old) == CREDENTIALS
    assert SecretBox([new]).open(box.rotate(sealed_with_old)) == CREDENTIALS


def test_environment_key_wins_over_the_key_file_r_int_4(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = _key()
    key_file = tmp_path / "secret.key"
    monkeypatch.setenv("AGENDASYNC_SECRET_KEY", key)
    monkeypatch.setenv("AGENDASYNC_SECRET_KEY_FILE", str(key_file))

    sealed = load_box().seal(CREDENTIALS)

    assert SecretBox([key]).open(sealed) == CREDENTIALS
    assert not key_file.exists()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("s3cr3t-swoogo-3f9a", "••••3f9a"),
        ("123456789", "••••6789"),
        ("12345678", "••••"),  # too short to show any of it
        ("abc", "••••"),
        ("", "••••"),
    ],
)
def test_mask_r_int_4(value: str, shown: str) -> None:
    assert mask(value) == shown
