"""`event edit` and `event delete` against a real SQLite file: only what is given changes,
refusals name the option and change nothing, deleting asks first."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agendasync.cli import app
from agendasync.cli.base import state

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    url = f"sqlite:///{tmp_path / 'cli.db'}"

    def invoke(*args: str, answer: str | None = None) -> tuple[int, str, str]:
        state.store = None  # each invocation opens the store anew, as a new process would
        result = CliRunner().invoke(app, ["--db", url, *args], input=answer, env={"COLUMNS": "80"})
        return result.exit_code, result.stdout, result.stderr

    assert invoke("org", "create", "Acme")[0] == 0
    for slug in ("conf27", "meetup"):
        made = invoke(
            "event", "create", "--org", "acme", "--slug", slug, "--name", slug.title(),
            "--tz", "Europe/Berlin", "--start", "2027-05-12", "--end", "2027-05-13",
        )  # fmt: skip
        assert made[0] == 0, made
    return invoke


def _event(run: Run, slug: str) -> dict[str, str]:
    code, out, _ = run("event", "list", "--json")
    assert code == 0
    found: dict[str, str] = next(e for e in json.loads(out) if e["slug"] == slug)
    return found


def test_event_edit_changes_only_what_is_given(run: Run) -> None:
    before = _event(run, "conf27")
    code, out, _ = run("event", "edit", "conf27", "--name", "Conf 2027", "--tz", "Asia/Tokyo")
    assert (code, out.strip()) == (0, "changed event Conf 2027 (conf27)")
    after = _event(run, "conf27")
    assert after["updated_at"] > before["updated_at"]
    changed = {"name": "Conf 2027", "timezone": "Asia/Tokyo", "updated_at": after["updated_at"]}
    assert after == before | changed
    code, out, _ = run(
        "event", "edit", "conf27", "--slug", "conf-27", "--start", "2027-05-11", "--json"
    )
    assert code == 0
    edited = json.loads(out)
    assert (edited["slug"], edited["start_date"], edited["end_date"]) == (
        "conf-27",
        "2027-05-11",
        "2027-05-13",
    )


@pytest.mark.parametrize(
    ("options", "error"),
    [
        (("--tz", "Mars/Olympus"), "--timezone: unknown time zone 'Mars/Olympus'; use an IANA "
         "name such as 'Europe/Berlin'"),
        (("--end", "2027-05-01"), "--end must not be before --start"),
        (("--start", "12/05/2027"), "--start: Give a date as YYYY-MM-DD."),
        (("--slug", "Conf 27"), "--slug: Use lowercase letters, digits and hyphens, starting "
         "with a letter or digit."),
        (("--slug", "meetup"), "--slug: event slug 'meetup' is already used by another event"),
        (("--name", " "), "--name: Enter the name."),
        ((), "nothing to change: give --name, --slug, --timezone, --start or --end"),
    ],
)  # fmt: skip
def test_event_edit_refusals_name_the_option_and_change_nothing(
    run: Run, options: tuple[str, ...], error: str
) -> None:
    before = _event(run, "conf27")
    code, out, err = run("event", "edit", "conf27", *options)
    assert (code, out, err.strip()) == (1, "", f"error: {error}")
    assert _event(run, "conf27") == before


def test_event_edit_of_an_unknown_event_is_refused(run: Run) -> None:
    assert run("event", "edit", "nope", "--name", "x")[::2] == (
        1,
        "error: no event with slug 'nope'\n",
    )


def test_event_delete_asks_first_and_keeps_the_event_unless_told_yes(run: Run) -> None:
    question = "Delete Conf27 (conf27)? This cannot be undone. [y/N]: "
    for answer in ("n\n", "", None):
        code, out, err = run("event", "delete", "conf27", answer=answer)
        assert (code, err) == (1, "error: event conf27 was not deleted\n")
        assert out.startswith(question)
        assert _event(run, "conf27")["slug"] == "conf27"
    code, out, _ = run("event", "delete", "conf27", answer="y\n")
    assert (code, out) == (0, f"{question}y\ndeleted event Conf27 (conf27)\n")
    assert (run("event", "delete", "meetup", "--yes")[:2]) == (0, "deleted event Meetup (meetup)\n")
    code, out, _ = run("event", "list", "--json")
    assert json.loads(out) == []


def test_event_edit_and_delete_help_is_plain_and_fits_80_columns(run: Run) -> None:
    for command in ("edit", "delete"):
        code, out, _ = run("event", command, "--help")
        assert code == 0
        assert max(len(line) for line in out.splitlines()) <= 80
        assert not re.search(r"R-[A-Z]+-\d", out)
