"""Errors of the Sessionize import (SPEC R-SZ-1, R-SZ-4, R-SZ-8).

Every failure has its own class and a message written for the organiser who set up the endpoint,
so the importer, the API and the command line can show `str(error)` as it is. Each class also
carries a stable machine `code` and the facts the message was built from.
"""

from __future__ import annotations


class SessionizeError(Exception):
    """Base of every Sessionize import error; `str()` is a complete human message."""

    code: str = "sessionize.error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidEndpointId(SessionizeError):
    """R-SZ-1: the text is neither an endpoint id nor a sessionize.com/api/v2/{id}/... URL."""

    code = "sessionize.invalid_endpoint_id"

    def __init__(self, text: str, reason: str | None = None) -> None:
        self.text = text
        shown = text if len(text) <= 80 else text[:77] + "..."
        detail = f" ({reason})" if reason else ""
        super().__init__(
            f"{shown!r} is not a Sessionize endpoint id{detail}. Enter the 8-character id that "
            "Sessionize shows on the event's API / Embed page (e.g. 'jl4ktls0'), or paste an "
            "endpoint URL such as https://sessionize.com/api/v2/jl4ktls0/view/All."
        )


class EndpointIdMissing(SessionizeError):
    """R-SZ-1: an import was asked for an event that holds no endpoint id, and none was given."""

    code = "sessionize.endpoint_id_missing"

    def __init__(self, event_slug: str) -> None:
        self.event_slug = event_slug
        super().__init__(
            f"Event {event_slug!r} has no Sessionize endpoint id yet. Give the 8-character id "
            "from the event's API / Embed page in Sessionize (or paste the endpoint URL); it is "
            "kept for the next imports."
        )


class EndpointNotFound(SessionizeError):
    """R-SZ-4: Sessionize does not know the endpoint id (404)."""

    code = "sessionize.endpoint_not_found"

    def __init__(self, endpoint_id: str, status: int = 404) -> None:
        self.endpoint_id = endpoint_id
        self.status = status
        super().__init__(
            f"Sessionize has no endpoint {endpoint_id!r} (HTTP {status}). Check the id on the "
            "event's API / Embed page in Sessionize; an endpoint that was deleted there is gone."
        )


class NotJson(SessionizeError):
    """R-SZ-4: the endpoint answers HTML/JavaScript, i.e. it is set to the embed format."""

    code = "sessionize.not_json"

    def __init__(self, endpoint_id: str | None = None, content_type: str | None = None) -> None:
        self.endpoint_id = endpoint_id
        self.content_type = content_type
        which = f"endpoint {endpoint_id!r}" if endpoint_id else "endpoint"
        got = f" (content type {content_type!r})" if content_type else ""
        super().__init__(
            f"The Sessionize {which} answers HTML/JavaScript, not JSON{got}: it is set to the "
            "embed format. On the event's API / Embed page in Sessionize, set the endpoint's "
            "format to JSON (or create a JSON endpoint) and try again."
        )


class EmptyAnswer(SessionizeError):
    """R-SZ-4: Sessionize answered 200 with an empty body or `null` instead of the feed."""

    code = "sessionize.empty_answer"

    def __init__(self, endpoint_id: str, *, null: bool) -> None:
        self.endpoint_id = endpoint_id
        what = "null" if null else "an empty body"
        super().__init__(
            f"The Sessionize endpoint {endpoint_id!r} answered {what} instead of its feed. "
            "Nothing was changed; try again in a few minutes. If it lasts, check the endpoint on "
            "the event's API / Embed page in Sessionize."
        )


class UnreadableAnswer(SessionizeError):
    """R-SZ-4: Sessionize answered 200 with something that is neither JSON nor the embed
    format (e.g. a plain-text "Too many requests"); names the content type and its start."""

    code = "sessionize.unreadable_answer"

    def __init__(self, endpoint_id: str, content_type: str | None, start: str) -> None:
        self.endpoint_id = endpoint_id
        self.content_type = content_type
        self.start = start
        kind = f"content type {content_type!r}" if content_type else "no content type"
        super().__init__(
            f"The Sessionize endpoint {endpoint_id!r} answered something that is not JSON "
            f"({kind}, starting {start!r}). Nothing was changed; try again later."
        )


class Unreachable(SessionizeError):
    """R-SZ-4: connection error, timeout or a server error (5xx) after the retries."""

    code = "sessionize.unreachable"

    def __init__(self, reason: str, *, attempts: int = 1) -> None:
        self.reason = reason
        self.attempts = attempts
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(
            f"Sessionize could not be reached{tries}: {reason}. Nothing was changed; "
            "try again later."
        )


class MalformedPayload(SessionizeError):
    """R-SZ-4: JSON, but not the view/All (or SpeakersEmails) shape; names the path."""

    code = "sessionize.malformed_payload"

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(
            f"The Sessionize feed is malformed: {path}: {problem}. Nothing was changed."
        )


class ScheduleNotPublished(SessionizeError):
    """R-SZ-4: an empty feed, or no session has times yet (schedule not announced)."""

    code = "sessionize.schedule_not_published"

    def __init__(self, sessions: int, without_times: int) -> None:
        self.sessions = sessions
        self.without_times = without_times
        if sessions == 0:
            text = (
                "The Sessionize schedule is not published yet: the feed has no sessions. "
                "Accept sessions and announce the schedule in Sessionize, then import again."
            )
        else:
            text = (
                "The Sessionize schedule is not published/announced yet: "
                f"{without_times} of {sessions} sessions have no start and end time. "
                "Place the sessions in Sessionize's Schedule Builder and announce the "
                "schedule, then import again."
            )
        super().__init__(text)


class PlaceholderData(SessionizeError):
    """R-SZ-8: the endpoint serves Sessionize's demo data (speaker ids made of zeros)."""

    code = "sessionize.placeholder_data"

    def __init__(self, speakers: int) -> None:
        self.speakers = speakers
        super().__init__(
            "The Sessionize endpoint serves Sessionize's placeholder demo data "
            f"({speakers} demo speakers with ids like 00000000-0000-0000-0000-000000000001), "
            "not your event. Accept real sessions in Sessionize (the demo data disappears "
            "then), and import again."
        )


class EndpointChanged(SessionizeError):
    """R-SZ-9: the event holds records imported from another endpoint; replacing it was not
    asked for. `sessions` and `speakers` are how many records the import would withdraw."""

    code = "sessionize.endpoint_changed"

    def __init__(self, previous: str, endpoint_id: str, *, sessions: int, speakers: int) -> None:
        self.previous = previous
        self.endpoint_id = endpoint_id
        self.sessions = sessions
        self.speakers = speakers
        super().__init__(
            f"This event was imported from Sessionize endpoint {previous!r}. Importing endpoint "
            f"{endpoint_id!r} instead replaces it and withdraws {_count(sessions, 'session')} "
            f"and {_count(speakers, 'speaker')} imported from {previous!r}. Nothing was "
            "changed; ask to replace the endpoint to import it anyway."
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


class EmailsKeyRejected(SessionizeError):
    """The speaker-emails key was refused (401/403 on view/SpeakersEmails), or the view was
    not found with it (404) although the endpoint's main feed answered."""

    code = "sessionize.emails_key_rejected"

    def __init__(self, endpoint_id: str, status: int = 403) -> None:
        self.endpoint_id = endpoint_id
        self.status = status
        what = (
            f"found no speaker-emails view for endpoint {endpoint_id!r} with this key"
            if status == 404
            else f"refused the speaker-emails key for endpoint {endpoint_id!r}"
        )
        super().__init__(
            f"Sessionize {what} (HTTP {status}); the endpoint's main feed works. Check the key: "
            "Sessionize support issues it per endpoint. Nothing was changed."
        )


__all__ = [
    "EmailsKeyRejected",
    "EmptyAnswer",
    "EndpointChanged",
    "EndpointIdMissing",
    "EndpointNotFound",
    "InvalidEndpointId",
    "MalformedPayload",
    "NotJson",
    "PlaceholderData",
    "ScheduleNotPublished",
    "SessionizeError",
    "Unreachable",
    "UnreadableAnswer",
]
