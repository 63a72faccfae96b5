"""Unit tests of the pure Sessionize feed parser (SPEC §9, R-SZ-1..8)."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import pytest
from sessionize_feeds import (
    ASNE,
    BERLIN,
    JOSE,
    JUERGEN,
    LUNCH,
    MEI,
    TZ,
    berlin,
    dump,
    feed,
    load,
    minimal_feed,
    raw,
)

from agendasync.sources.sessionize import (
    CategoryItemRef,
    content_hash,
    is_placeholder_speaker_id,
    parse_all,
    parse_emails,
    parse_endpoint_id,
)
from agendasync.sources.sessionize.exceptions import (
    InvalidEndpointId,
    MalformedPayload,
    NotJson,
    PlaceholderData,
    ScheduleNotPublished,
    SessionizeError,
)

# ------------------------------------------------------------------------------------------
# R-SZ-1 endpoint ids


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jl4ktls0", "jl4ktls0"),
        ("  g4o6gyjr \n", "g4o6gyjr"),
        ("HPPWA4HG", "hppwa4hg"),
        ("https://sessionize.com/api/v2/op1603dq/view/All", "op1603dq"),
        ("http://sessionize.com/api/v2/op1603dq/view/GridSmart", "op1603dq"),
        ("https://www.sessionize.com/api/v2/op1603dq/view/Sessions?x=1", "op1603dq"),
        ("sessionize.com/api/v2/op1603dq/view/Speakers", "op1603dq"),
        ("www.sessionize.com/api/v2/op1603dq/", "op1603dq"),
        ("  https://Sessionize.com/api/v2/op1603dq  ", "op1603dq"),
        ("https://sessionize.com/api/v2/op1603dq/view/SpeakersEmails?s=secret", "op1603dq"),
    ],
)
def test_endpoint_id_or_pasted_url_accepted_r_sz_1(text: str, expected: str) -> None:
    assert parse_endpoint_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "jl4ktls",
        "jl4ktls01",
        "jl4k-ls0",
        "jl4ktls0/view/All",
        "https://sessionize.com/devdays-2027",
        "https://sessionize.com/api/v2/toolong123/view/All",
        "https://example.com/api/v2/jl4ktls0/view/All",
        "https://sessionize.com/api/v1/jl4ktls0/view/All",
        "<script src='https://sessionize.com/api/v2/jl4ktls0/view/GridSmart'></script>",
        "jl4ktls0 g4o6gyjr",
    ],
)
def test_anything_else_refused_with_clear_message_r_sz_1(text: str) -> None:
    with pytest.raises(InvalidEndpointId) as info:
        parse_endpoint_id(text)
    message = str(info.value)
    assert "not a Sessionize endpoint id" in message
    assert "API / Embed" in message
    assert isinstance(info.value, SessionizeError)


# ------------------------------------------------------------------------------------------
# R-SZ-2 shapes over the years


@pytest.mark.parametrize(
    ("name", "rooms", "speakers", "sessions", "categories", "unscheduled"),
    [
        ("all_2024.json", 3, 4, 8, 8, 0),
        ("all_2023.json", 2, 3, 4, 2, 1),
        ("all_2020.json", 2, 2, 3, 3, 0),
        ("all_utc_times.json", 1, 1, 3, 0, 0),
        ("bom_crlf.json", 1, 1, 1, 0, 0),
    ],
)
def test_all_shapes_parse_with_exact_counts_r_sz_2(
    name: str, rooms: int, speakers: int, sessions: int, categories: int, unscheduled: int
) -> None:
    parsed = feed(name)
    assert len(parsed.rooms) == rooms
    assert len(parsed.speakers) == speakers
    assert len(parsed.sessions) == sessions
    assert len(parsed.categories) == categories
    assert len(parsed.unscheduled_sessions) == unscheduled
    assert parsed.warnings == ()
    assert parsed.timezone == TZ
    for session in parsed.sessions:
        assert isinstance(session.id, str)
        if session.starts_at is not None:
            assert session.starts_at.tzinfo == BERLIN


def test_rooms_ordered_by_sort_then_id_r_sz_2() -> None:
    parsed = feed("all_2024.json")
    assert [(r.id, r.name, r.sort) for r in parsed.rooms] == [
        ("101", "Saal Europa (400)", 1),
        ("102", "Raum Åland (80)", 2),
        ("103", "Workshop Loft (30)", 2),
    ]


def test_rooms_with_numeric_ids_sort_numerically_r_sz_2() -> None:
    data = minimal_feed(roomId=9)
    data["rooms"] = [
        {"id": 10, "name": "Ten", "sort": 1},
        {"id": 9, "name": "Nine", "sort": 1},
        {"id": 2, "name": None, "sort": None},
    ]
    parsed = parse_all(dump(data), timezone=TZ)
    assert [(r.id, r.name, r.sort) for r in parsed.rooms] == [
        ("2", "Room 2", 0),
        ("9", "Nine", 1),
        ("10", "Ten", 1),
    ]
    assert parsed.sessions[0].room_id == "9"


def test_empty_rooms_derive_nothing_r_sz_2() -> None:
    data = minimal_feed(roomId=42)
    parsed = parse_all(dump(data), timezone=TZ)
    assert parsed.rooms == ()
    assert parsed.sessions[0].room_id is None
    assert parsed.warnings == ("sessions[0].roomId: room 42 is not in the feed; dropped",)


def test_speaker_fields_and_links_by_link_type_r_sz_2() -> None:
    parsed = feed("all_2024.json")
    asne = parsed.speaker(ASNE)
    assert asne is not None
    assert (asne.first_name, asne.last_name, asne.full_name) == (
        "Åsne",
        "Seierstad-Lind",
        "Åsne Seierstad-Lind",
    )
    assert asne.bio == "Platform engineer from Tromsø 🇳🇴.\nLoves boats, YAML and cinnamon buns."
    assert asne.tag_line == "Principal Platform Engineer at Fjordtech"
    assert asne.profile_picture == (
        "https://sessionize.com/image/ab37-400o400o1-Tq1Wz8xYhF4mRk2sLp9v.png"
    )
    # Blog comes before Company_Website in her links: the first one wins.
    assert asne.website == "https://asne.dev/blog"
    assert asne.twitter == "https://twitter.com/asne_sl"
    assert asne.linkedin == "https://www.linkedin.com/in/asne-seierstad-lind"
    assert asne.facebook == "https://www.facebook.com/asne.sl"
    assert len(asne.links) == 8
    assert [link.link_type for link in asne.links] == [
        "Twitter",
        "LinkedIn",
        "Blog",
        "Company_Website",
        "Instagram",
        "Facebook",
        "Sessionize",
        "Other",
    ]
    assert asne.is_top_speaker is True
    assert asne.tags == ("Speaking experience: First-time speaker", "Region: Nordics")

    jose = parsed.speaker(JOSE)
    assert jose is not None
    assert jose.website == "https://pipelines.example.com"  # Company_Website listed first
    assert jose.twitter == "https://x.com/josenunez"
    assert (jose.linkedin, jose.facebook) == (None, None)
    assert jose.tags == (
        "Speaking experience: Seasoned speaker",
        "Region: Iberia",
        "Preferred language for Q&A: Español",
    )

    mei = parsed.speaker(MEI)
    assert mei is not None
    assert (mei.bio, mei.tag_line, mei.profile_picture, mei.website) == (None, None, None, None)
    assert mei.links == ()
    assert mei.tags == ()


def test_speaker_session_numbers_compared_as_strings_r_sz_5() -> None:
    parsed = feed("all_2024.json")
    asne = parsed.speaker(ASNE)
    assert asne is not None
    assert asne.session_ids == ("880001", "880003")
    session_ids = {s.id for s in parsed.sessions}
    for speaker in parsed.speakers:
        assert set(speaker.session_ids) <= session_ids
    assert parsed.session(880001) is parsed.session("880001")


def test_session_fields_2024_r_sz_2() -> None:
    parsed = feed("all_2024.json")
    talk = parsed.session("880001")
    assert talk is not None
    assert talk.title == "Kubernetes at the edge 🚀"
    assert talk.description == (
        "What we learned running 400 clusters on fishing boats.\n\n- offline first\n"
        "- GitOps over satellite links"
    )
    assert talk.starts_at == berlin(2027, 5, 12, 10, 0)
    assert talk.ends_at == berlin(2027, 5, 12, 10, 45)
    assert talk.room_id == "101"
    assert talk.speaker_ids == (ASNE,)
    assert (talk.is_service, talk.is_plenum) == (False, False)
    assert talk.status == "Accepted"
    assert (talk.is_informed, talk.is_confirmed) == (True, True)
    assert talk.live_url is None
    assert talk.recording_url == "https://video.example.com/880001"
    assert talk.category_items[0] == CategoryItemRef(
        category_id="5001",
        category_title="Which track does your session best fit into?",
        category_type="session",
        item_id="50011",
        item_name="Cloud & Infrastructure",
    )
    assert [
        (ref.category_title, ref.category_type, ref.item_name) for ref in talk.category_items
    ] == [
        ("Which track does your session best fit into?", "session", "Cloud & Infrastructure"),
        ("Level", "session", "Introductory and overview"),
        ("Please select session type:", "session", "Session (45 min)"),
        ("Language", "session", "English"),
        ("Topics", "session", "Kubernetes"),
    ]


def test_service_and_plenum_sessions_flagged_r_sz_6() -> None:
    parsed = feed("all_2024.json")
    lunch = parsed.session(LUNCH)
    assert lunch is not None
    assert (lunch.is_service, lunch.is_plenum) == (True, True)
    assert lunch.status is None
    assert lunch.description is None
    assert lunch.speaker_ids == ()
    assert lunch.room_id == "101"
    assert [s.id for s in parsed.sessions if s.is_service] == [
        "2b7c3c1e-5d4f-4a8b-9c6d-7e8f9a0b1c2d",
        LUNCH,
    ]
    assert [s.id for s in parsed.sessions if s.is_plenum] == ["880005", LUNCH]


def test_multi_speaker_session_keeps_order_r_sz_2() -> None:
    workshop = feed("all_2024.json").session("880003")
    assert workshop is not None
    assert workshop.speaker_ids == (ASNE, JOSE)
    assert workshop.ends_at == berlin(2027, 5, 12, 16, 30)


def test_session_outside_event_dates_is_kept_for_the_importer_r_sz_3() -> None:
    parsed = feed("all_2024.json")
    outside = [
        s.id
        for s in parsed.sessions
        if s.starts_at is not None and not berlin(2027, 5, 12) <= s.starts_at < berlin(2027, 5, 14)
    ]
    assert outside == ["880006"]


def test_2020_shape_missing_fields_are_absent_r_sz_7() -> None:
    parsed = feed("all_2020.json")
    session = parsed.sessions[0]
    assert (session.status, session.live_url, session.recording_url) == (None, None, None)
    assert (session.is_informed, session.is_confirmed) == (None, None)
    types = {c.title: (c.type, c.type_inferred) for c in parsed.categories}
    assert types == {
        "Session format": ("session", True),
        "Level": ("session", True),
        "Speaker region": ("speaker", True),
    }
    lars = parsed.speakers[0]
    assert lars.tags == ("Speaker region: Nordics",)
    assert lars.profile_picture is not None
    assert lars.profile_picture.startswith("https://sessionize.com/image?f=")
    chloe = parsed.speakers[1]
    assert chloe.website == "https://perf.example.fr"
    assert chloe.facebook == "https://facebook.com/chloe.lefevre"


def test_2023_shape_has_status_but_no_informed_confirmed_r_sz_7() -> None:
    parsed = feed("all_2023.json")
    first = parsed.sessions[0]
    assert first.status == "Accepted"
    assert (first.is_informed, first.is_confirmed) == (None, None)
    assert parsed.speakers[1].website == "https://piotr.example.pl"
    assert parsed.speakers[0].last_name == "Øvergård"


def test_only_id_and_title_required_r_sz_7() -> None:
    data = {
        "sessions": [
            {"id": 7, "title": "Bare", "startsAt": "2027-05-12T10:00:00", "endsAt": None},
            {
                "id": "8",
                "title": "Times",
                "startsAt": "2027-05-12T10:00",
                "endsAt": "2027-05-12T11:00",
            },
            {
                "id": "9",
                "title": "Nulls",
                "description": None,
                "startsAt": None,
                "endsAt": None,
                "isServiceSession": None,
                "isPlenumSession": None,
                "speakers": None,
                "categoryItems": None,
                "roomId": None,
                "status": None,
                "somethingNew": {"x": [1, 2]},
            },
        ],
        "speakers": [{"id": "abc", "fullName": "Zoë van der Berg", "links": None}],
        "categories": [{"id": 1, "items": [{"id": 2}]}],
        "rooms": None,
        "futureKey": "ignored",
    }
    parsed = parse_all(dump(data), timezone=TZ)
    assert [s.id for s in parsed.sessions] == ["7", "8", "9"]
    assert [s.is_scheduled for s in parsed.sessions] == [False, True, False]
    bare = parsed.sessions[0]
    assert bare.description is None
    assert bare.speaker_ids == ()
    assert (bare.is_service, bare.is_plenum) == (False, False)
    speaker = parsed.speakers[0]
    assert (speaker.first_name, speaker.last_name) == ("Zoë van der", "Berg")
    assert parsed.categories[0].title == ""
    assert parsed.categories[0].items[0].name == ""
    assert parsed.warnings == ()


# ------------------------------------------------------------------------------------------
# R-SZ-7 times


def test_times_without_offset_are_event_local_time_r_sz_7() -> None:
    parsed = feed("all_2024.json")
    keynote = parsed.session("880005")
    assert keynote is not None
    assert keynote.starts_at == berlin(2027, 5, 12, 9, 0)
    assert keynote.starts_at is not None
    assert keynote.starts_at.utcoffset() is not None
    assert keynote.starts_at.isoformat() == "2027-05-12T09:00:00+02:00"


def test_times_without_offset_follow_the_event_zone_r_sz_7() -> None:
    parsed = feed("all_2024.json", timezone="America/New_York")
    keynote = parsed.session("880005")
    assert keynote is not None
    assert keynote.starts_at is not None
    assert keynote.starts_at.isoformat() == "2027-05-12T09:00:00-04:00"


def test_utc_z_times_converted_to_event_zone_r_sz_7() -> None:
    parsed = feed("all_utc_times.json")
    morning = parsed.session("301001")
    assert morning is not None
    assert morning.starts_at is not None
    assert morning.starts_at.isoformat() == "2027-05-12T09:00:00+02:00"
    assert morning.ends_at == berlin(2027, 5, 12, 9, 45)
    late = parsed.session("301003")
    assert late is not None
    assert late.starts_at == berlin(2027, 5, 12, 23, 30)
    assert late.ends_at == berlin(2027, 5, 13, 0, 30)
    assert late.ends_at is not None
    assert late.ends_at.tzinfo == BERLIN


def test_offset_times_converted_to_event_zone_r_sz_7() -> None:
    offset = feed("all_utc_times.json").session("301002")
    assert offset is not None
    assert offset.starts_at is not None
    assert offset.starts_at.isoformat() == "2027-05-12T18:30:00+02:00"
    assert offset.ends_at == berlin(2027, 5, 12, 19, 15)


def test_local_time_in_dst_gap_moves_to_the_next_valid_time_and_is_reported_r_sz_7() -> None:
    # 02:30-03:15 on the night the clocks go forward: moved by the whole gap, it would end
    # before it starts; moved to the gap's end (03:00) it keeps its place.
    data = minimal_feed(startsAt="2027-03-28T02:30:00", endsAt="2027-03-28T03:15:00")
    parsed = parse_all(dump(data), timezone=TZ)
    session = parsed.sessions[0]
    assert session.starts_at is not None
    assert session.starts_at.isoformat() == "2027-03-28T03:00:00+02:00"
    assert session.is_scheduled
    assert parsed.warnings == (
        "sessions[0].startsAt: 2027-03-28T02:30:00 does not exist in Europe/Berlin (the clocks "
        "go forward); moved to 2027-03-28 03:00",
    )


def test_unknown_time_zone_is_a_caller_error_r_sz_7() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        parse_all(raw("all_2024.json"), timezone="Mars/Olympus_Mons")


def test_end_before_start_is_unscheduled_with_warning_r_sz_7() -> None:
    data = minimal_feed(startsAt="2027-05-12T10:00:00", endsAt="2027-05-12T09:00:00")
    data["sessions"].append(
        {"id": "2", "title": "ok", "startsAt": "2027-05-12T11:00", "endsAt": "2027-05-12T12:00"}
    )
    parsed = parse_all(dump(data), timezone=TZ)
    assert [s.is_scheduled for s in parsed.sessions] == [False, True]
    assert parsed.warnings == (
        "sessions[0].endsAt: session 1 ends before it starts; treated as unscheduled",
    )


# ------------------------------------------------------------------------------------------
# R-SZ-4 not published, partly scheduled


@pytest.mark.parametrize("name", ["empty_with_questions.json", "empty_without_questions.json"])
def test_empty_feed_means_schedule_not_published_r_sz_4(name: str) -> None:
    with pytest.raises(ScheduleNotPublished) as info:
        feed(name)
    assert (info.value.sessions, info.value.without_times) == (0, 0)
    assert "not published" in str(info.value)
    assert "no sessions" in str(info.value)


def test_accepted_but_unscheduled_names_how_many_lack_times_r_sz_4() -> None:
    with pytest.raises(ScheduleNotPublished) as info:
        feed("accepted_unscheduled.json")
    assert (info.value.sessions, info.value.without_times) == (3, 3)
    message = str(info.value)
    assert "not published/announced" in message
    assert "3 of 3 sessions have no start and end time" in message


def test_only_service_sessions_with_times_is_not_published_r_sz_4() -> None:
    data = load("accepted_unscheduled.json")
    data["sessions"].append(
        {
            "id": "0b0c0d0e-0000-4000-8000-000000000abc",
            "title": "Coffee",
            "isServiceSession": True,
            "startsAt": "2027-05-12T10:00:00",
            "endsAt": "2027-05-12T10:30:00",
        }
    )
    with pytest.raises(ScheduleNotPublished) as info:
        parse_all(dump(data), timezone=TZ)
    assert (info.value.sessions, info.value.without_times) == (4, 3)


def test_partly_scheduled_feed_returns_unscheduled_flagged_r_sz_4() -> None:
    parsed = feed("all_2023.json")
    assert [s.id for s in parsed.unscheduled_sessions] == ["512303"]
    unscheduled = parsed.unscheduled_sessions[0]
    assert (unscheduled.starts_at, unscheduled.ends_at, unscheduled.room_id) == (None, None, None)
    assert len(parsed.scheduled_sessions) == 3


# ------------------------------------------------------------------------------------------
# R-SZ-8 placeholder demo data


def test_placeholder_demo_data_refused_r_sz_8() -> None:
    with pytest.raises(PlaceholderData) as info:
        feed("placeholder_demo.json")
    assert info.value.speakers == 3
    assert "placeholder demo data" in str(info.value)


def test_one_real_speaker_is_not_placeholder_data_r_sz_8() -> None:
    data = load("placeholder_demo.json")
    data["speakers"][2]["id"] = "9a8b7c6d-5e4f-4321-8765-abcdef012345"
    data["sessions"][1]["speakers"][1] = "9a8b7c6d-5e4f-4321-8765-abcdef012345"
    parsed = parse_all(dump(data), timezone=TZ)
    assert len(parsed.speakers) == 3


@pytest.mark.parametrize(
    ("speaker_id", "expected"),
    [
        ("00000000-0000-0000-0000-000000000001", True),
        ("00000000-0000-0000-0000-000000000000", True),
        ("00000000-0000-0000-0000-00000000000a", True),
        ("00000000-0000-0000-0000-a1b2c3d4e5f6", False),
        ("7c2d4f1a-93b5-4e0b-a1d2-5f6e7a8b9c01", False),
        ("1", False),
    ],
)
def test_placeholder_speaker_ids_r_sz_8(speaker_id: str, expected: bool) -> None:
    assert is_placeholder_speaker_id(speaker_id) is expected


# ------------------------------------------------------------------------------------------
# R-SZ-4 malformed payloads name the path


def _set(data: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "expected_path", "problem"),
    [
        (["sessions"], "nope", "sessions", "expected a list (got a string)"),
        (["speakers"], {"a": 1}, "speakers", "expected a list (got an object)"),
        (["sessions", 3, "speakers"], JOSE, "sessions[3].speakers", "expected a list"),
        (["sessions", 0, "title"], 42, "sessions[0].title", "expected a string"),
        (["sessions", 0, "title"], None, "sessions[0].title", "missing title"),
        (["sessions", 1, "id"], None, "sessions[1].id", "missing id"),
        (["sessions", 1, "id"], 1.5, "sessions[1].id", "expected an id"),
        (["sessions", 1, "id"], True, "sessions[1].id", "expected an id"),
        (["sessions", 2, "startsAt"], "tomorrow", "sessions[2].startsAt", "ISO date-time"),
        (["sessions", 2, "startsAt"], 1747040400, "sessions[2].startsAt", "date-time string"),
        (["sessions", 2, "endsAt"], "2027-13-45T10:00:00", "sessions[2].endsAt", "not a valid"),
        (["sessions", 2, "isServiceSession"], "yes", "sessions[2].isServiceSession", "true or"),
        (["sessions", 2, "roomId"], [101], "sessions[2].roomId", "expected an id"),
        (["sessions", 4], None, "sessions[4]", "expected an object (got null)"),
        (["speakers", 1, "links"], "https://x", "speakers[1].links", "expected a list"),
        (["speakers", 1, "links", 0, "url"], 5, "speakers[1].links[0].url", "expected a string"),
        (["speakers", 0, "sessions", 1], {"x": 1}, "speakers[0].sessions[1]", "missing id"),
        (["rooms", 0], "Saal", "rooms[0]", "expected an object"),
        (["rooms", 0, "sort"], "first", "rooms[0].sort", "expected an integer"),
        (["categories", 2, "items"], {}, "categories[2].items", "expected a list"),
        (["categories", 2, "items", 0, "id"], None, "categories[2].items[0].id", "missing id"),
        (["categories", 0, "type"], 1, "categories[0].type", "expected a string"),
    ],
)
def test_malformed_payload_names_the_path_r_sz_4(
    path: list[Any], value: Any, expected_path: str, problem: str
) -> None:
    data = _set(load("all_2024.json"), path, value)
    with pytest.raises(MalformedPayload) as info:
        parse_all(dump(data), timezone=TZ)
    assert info.value.path == expected_path
    assert problem in info.value.problem
    assert f"{expected_path}: " in str(info.value)


def test_malformed_message_reads_like_the_spec_r_sz_4() -> None:
    data = _set(load("all_2024.json"), ["sessions", 3, "speakers"], "x")
    with pytest.raises(MalformedPayload, match=r"sessions\[3\]\.speakers: expected a list"):
        parse_all(dump(data), timezone=TZ)


@pytest.mark.parametrize(
    ("body", "path", "problem"),
    [
        (b"", "$", "empty"),
        (b"\xef\xbb\xbf  \r\n", "$", "empty"),
        (b"[]", "$", "expected the view/All object"),
        (b'[{"groupId": null, "groupName": "All", "sessions": []}]', "$", "another view"),
        (b"{}", "sessions", "missing"),
        (b'{"speakers": []}', "sessions", "not a view/All response"),
        (b'"sessions"', "$", "not JSON"),
        (b"42", "$", "not JSON"),
        (b'{"sessions": [', "$", "not valid JSON"),
        (b'{"sessions": NaN}', "$", "not valid JSON"),
        (b'{"sessions": [], "x": Infinity}', "$", "not valid JSON"),
        (b'{"sessions": "\xff\xfe"}', "$", "not UTF-8"),
        (b"[" * 100_000, "$", "not valid JSON"),
    ],
)
def test_malformed_bodies_r_sz_4(body: bytes, path: str, problem: str) -> None:
    with pytest.raises(MalformedPayload) as info:
        parse_all(body, timezone=TZ)
    assert info.value.path == path
    assert problem in info.value.problem


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body>Sessionize</body></html>",
        b"\n  <div class='sessionize-wrapper'></div>",
        b"(function () { window.sessionize.loader(); })();",
        b"window.sessionize = window.sessionize || {};",
    ],
)
def test_html_or_javascript_body_is_not_json_r_sz_4(body: bytes) -> None:
    with pytest.raises(NotJson, match="set the endpoint's format to JSON"):
        parse_all(body, timezone=TZ)


# ------------------------------------------------------------------------------------------
# Dangling references and duplicates


def test_dangling_references_are_dropped_and_warned() -> None:
    data = load("all_2024.json")
    data["sessions"][2]["speakers"].append("11111111-2222-4333-8444-555555555555")
    data["sessions"][2]["roomId"] = 999
    data["sessions"][2]["categoryItems"].append(424242)
    data["speakers"][0]["sessions"].append(123456)
    data["speakers"][0]["categoryItems"].append(99)
    parsed = parse_all(dump(data), timezone=TZ)
    talk = parsed.session("880001")
    assert talk is not None
    assert talk.speaker_ids == (ASNE,)
    assert talk.room_id is None
    assert len(talk.category_items) == 5
    asne = parsed.speaker(ASNE)
    assert asne is not None
    assert asne.session_ids == ("880001", "880003")
    assert asne.tags == ("Speaking experience: First-time speaker", "Region: Nordics")
    assert parsed.warnings == (
        "sessions[2].roomId: room 999 is not in the feed; dropped",
        "sessions[2].speakers[1]: speaker 11111111-2222-4333-8444-555555555555 is not in the "
        "feed; dropped",
        "sessions[2].categoryItems[5]: category item 424242 is not in the feed; dropped",
        "speakers[0].sessions[2]: session 123456 is not in the feed; dropped",
        "speakers[0].categoryItems[2]: category item 99 is not in the feed; dropped",
    )


def test_repeated_ids_keep_the_first_record() -> None:
    data = load("all_2024.json")
    duplicate = copy.deepcopy(data["sessions"][2])
    duplicate["title"] = "Second copy"
    data["sessions"].append(duplicate)
    data["rooms"].append({"id": 101, "name": "Other", "sort": 9})
    data["speakers"][0]["sessions"].append(880001)
    parsed = parse_all(dump(data), timezone=TZ)
    assert len(parsed.sessions) == 8
    session = parsed.session("880001")
    assert session is not None
    assert session.title == "Kubernetes at the edge 🚀"
    assert len(parsed.rooms) == 3
    asne = parsed.speaker(ASNE)
    assert asne is not None
    assert asne.session_ids == ("880001", "880003")
    assert parsed.warnings == (
        "rooms[3]: room id 101 appears twice; the first is kept",
        "sessions[8]: session id 880001 appears twice; the first is kept",
    )


def test_view_sessions_style_speaker_objects_are_accepted() -> None:
    data = load("all_2024.json")
    data["sessions"][2]["speakers"] = [{"id": ASNE, "name": "Åsne Seierstad-Lind"}]
    talk = parse_all(dump(data), timezone=TZ).session("880001")
    assert talk is not None
    assert talk.speaker_ids == (ASNE,)


def test_huge_strings_are_kept_intact() -> None:
    title = "🚀" * 200_000
    data = minimal_feed(title=title, description="x\r\n" * 100_000)
    session = parse_all(dump(data), timezone=TZ).sessions[0]
    assert session.title == title
    assert session.description == "x\n" * 100_000


# ------------------------------------------------------------------------------------------
# R-SZ-5 content hash, BOM and CRLF


def test_bom_and_crlf_parse_and_hash_without_bom_r_sz_5() -> None:
    body = raw("bom_crlf.json")
    assert body.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in body
    parsed = parse_all(body, timezone=TZ)
    assert parsed.sessions[0].title == "Café culture & distributed teams ☕"
    assert parsed.sessions[0].description == "Line one.\nLine two."
    assert parsed.speakers[0].first_name == "Siobhán"
    assert parsed.content_hash == hashlib.sha256(body[3:]).hexdigest()
    assert parse_all(body[3:], timezone=TZ).content_hash == parsed.content_hash
    assert content_hash(body) == parsed.content_hash


def test_content_hash_stable_and_sensitive_r_sz_5() -> None:
    body = raw("all_2024.json")
    first = parse_all(body, timezone=TZ)
    second = parse_all(body, timezone=TZ)
    assert first.content_hash == second.content_hash == hashlib.sha256(body).hexdigest()
    assert len(first.content_hash) == 64
    changed = body.replace(b"Kubernetes at the edge", b"Kubernetes at the Edge")
    assert parse_all(changed, timezone=TZ).content_hash != first.content_hash
    assert first == second  # frozen value objects compare by value


# ------------------------------------------------------------------------------------------
# Speaker emails view


def test_parse_speaker_emails_r_sz_2() -> None:
    assert parse_emails(raw("speakers_emails.json")) == {
        ASNE: "asne@fjordtech.no",
        JOSE: "Jose.Nunez@pipelines.example.com",
        JUERGEN: "j.mueller@alpenwerk.example.de",
    }
    assert parse_emails(b"\xef\xbb\xbf[]") == {}


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b'{"id": "x"}', "$"),
        (b'[{"email": "a@b.c"}]', "[0].id"),
        (b'[{"id": "x", "email": 5}]', "[0].email"),
        (b"[1]", "[0]"),
        (b"[", "$"),
    ],
)
def test_malformed_emails_payload_r_sz_4(body: bytes, path: str) -> None:
    with pytest.raises(MalformedPayload) as info:
        parse_emails(body)
    assert info.value.path == path
