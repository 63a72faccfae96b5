"""Content the hub refuses, with every problem named by its place and what is wrong."""

from __future__ import annotations

from pydantic import ValidationError


class InvalidContent(ValueError):
    """Input that cannot be accepted; `problems` holds (place, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{place}: {message}" for place, message in problems))

    @classmethod
    def from_validation(cls, error: ValidationError, prefix: str = "") -> InvalidContent:
        problems = []
        for item in error.errors(include_url=False):
            place = ".".join(str(part) for part in (prefix, *item["loc"]) if part != "")
            problems.append((place or "(document)", item["msg"]))
        return cls(problems)
