"""Property tests: parsing any input raises nothing but a SessionizeError (SPEC R-SZ-4)."""

from __future__ import annotations

import contextlib
import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sessionize_feeds import (
    ASNE,
    TZ,
    load,
)

from agendasync.sources.sessionize import (
    SessionizeFeed,
    parse_all,
    parse_emails,
    parse_endpoint_id,
)
from agendasync.sources.sessionize.exceptions import (
    InvalidEndpointId,
    SessionizeError,
)

# ------------------------------------------------------------------------------------------
# Property: parse_all never raises anything but a SessionizeError


def _parse_or_error(body: bytes) -> None:
    try:
        result = parse_all(body, timezone=TZ)
    except SessionizeError:
        return
    assert isinstance(result, SessionizeFeed)


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "2027-05-12T10:00:00",
            "2027-05-12T10:00:00Z",
            "2027-05-12T10:00:00+05:30",
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59-05:00",
            "2027-02-30T10:00:00",
            "00000000-0000-0000-0000-000000000001",
            "880001",
            "",
        ]
    )
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)

SESSION_KEYS = [
    "id",
    "title",
    "description",
    "startsAt",
    "endsAt",
    "isServiceSession",
    "isPlenumSession",
    "speakers",
    "categoryItems",
    "roomId",
    "liveUrl",
    "recordingUrl",
    "status",
    "isInformed",
    "isConfirmed",
]
SPEAKER_KEYS = [
    "id",
    "firstName",
    "lastName",
    "fullName",
    "bio",
    "tagLine",
    "profilePicture",
    "links",
    "sessions",
    "categoryItems",
    "isTopSpeaker",
]
ids = st.one_of(st.integers(0, 5), st.sampled_from(["0", "1", "2", "a", ASNE]))
shaped_session = st.fixed_dictionaries(
    {"id": ids, "title": st.text(max_size=5)},
    optional={
        "startsAt": st.one_of(json_scalars, st.just("2027-05-12T10:00:00")),
        "endsAt": st.one_of(json_scalars, st.just("2027-05-12T11:00:00")),
        "speakers": st.one_of(st.lists(ids, max_size=3), json_values),
        "categoryItems": st.one_of(st.lists(ids, max_size=3), json_values),
        "roomId": st.one_of(ids, json_values),
        "isServiceSession": st.one_of(st.booleans(), json_values),
        "status": json_values,
    },
)
shaped_speaker = st.fixed_dictionaries(
    {"id": ids},
    optional={
        key: json_values
        for key in SPEAKER_KEYS
        if key not in ("id", "sessions", "categoryItems", "links")
    }
    | {
        "sessions": st.one_of(st.lists(ids, max_size=3), json_values),
        "categoryItems": st.one_of(st.lists(ids, max_size=3), json_values),
        "links": st.one_of(
            st.lists(
                st.fixed_dictionaries(
                    {"url": st.one_of(st.text(max_size=5), json_values)},
                    optional={"linkType": st.sampled_from(["Blog", "Twitter", "X"]) | json_values},
                ),
                max_size=3,
            ),
            json_values,
        ),
    },
)
shaped_feed = st.fixed_dictionaries(
    {"sessions": st.one_of(st.lists(shaped_session, max_size=4), json_values)},
    optional={
        "speakers": st.one_of(st.lists(shaped_speaker, max_size=3), json_values),
        "rooms": st.one_of(
            st.lists(
                st.fixed_dictionaries(
                    {"id": ids}, optional={"name": json_values, "sort": json_values}
                ),
                max_size=3,
            ),
            json_values,
        ),
        "categories": st.one_of(
            st.lists(
                st.fixed_dictionaries(
                    {"id": ids},
                    optional={
                        "title": json_values,
                        "type": json_values,
                        "items": st.one_of(
                            st.lists(
                                st.fixed_dictionaries({"id": ids}, optional={"name": json_values}),
                                max_size=3,
                            ),
                            json_values,
                        ),
                    },
                ),
                max_size=3,
            ),
            json_values,
        ),
    },
)

FIXTURE_2024 = load("all_2024.json")


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*prefix, index)))
    return found


FIXTURE_PATHS = _paths(FIXTURE_2024)
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(json_values)
def test_random_json_never_raises_another_exception_r_sz_4(value: Any) -> None:
    _parse_or_error(json.dumps(value).encode("utf-8"))


@PROPERTY_SETTINGS
@given(shaped_feed)
def test_shaped_garbage_never_raises_another_exception_r_sz_4(value: Any) -> None:
    _parse_or_error(json.dumps(value, ensure_ascii=False).encode("utf-8"))


@PROPERTY_SETTINGS
@given(
    st.lists(st.tuples(st.sampled_from(FIXTURE_PATHS), json_values), min_size=1, max_size=3),
    st.sampled_from(SESSION_KEYS),
)
def test_mutated_real_feed_never_raises_another_exception_r_sz_4(
    mutations: list[tuple[tuple[Any, ...], Any]], dropped_key: str
) -> None:
    data = copy.deepcopy(FIXTURE_2024)
    data["sessions"][0].pop(dropped_key, None)
    for path, value in mutations:
        target: Any = data
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced part of this path
    _parse_or_error(json.dumps(data, ensure_ascii=False).encode("utf-8"))


@PROPERTY_SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes_never_raise_another_exception_r_sz_4(body: bytes) -> None:
    _parse_or_error(body)
    with contextlib.suppress(SessionizeError):
        parse_emails(body)


@PROPERTY_SETTINGS
@given(st.text(max_size=60))
def test_parse_endpoint_id_returns_id_or_invalid_r_sz_1(text: str) -> None:
    try:
        endpoint_id = parse_endpoint_id(text)
    except InvalidEndpointId:
        return
    assert len(endpoint_id) == 8
    assert endpoint_id.isalnum()
    assert endpoint_id == endpoint_id.lower()
