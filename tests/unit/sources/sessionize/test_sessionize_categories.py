"""Unit tests of the Sessionize category map and speaker questions (SPEC R-SZ-2, R-SZ-3)."""

from __future__ import annotations

import dataclasses
import re

import pytest
from sessionize_feeds import (
    LUNCH,
    feed,
)

from agendasync.sources.sessionize import (
    CategoryItemRef,
    Dimension,
    classify_session,
    default_category_map,
    default_dimension,
    language_code,
)
from agendasync.sources.sessionize.categories import parse_map_setting, question_field

# ------------------------------------------------------------------------------------------
# R-SZ-2 category map


def test_default_category_map_by_title_keyword_r_sz_2() -> None:
    parsed = feed("all_2024.json")
    assert default_category_map(parsed.categories) == {
        "Which track does your session best fit into?": Dimension.TRACKS,
        "Level": Dimension.LEVELS,
        "Please select session type:": Dimension.FORMAT,
        "Language": Dimension.LANGUAGE,
        "Topics": Dimension.TAGS,
        "Speaking experience": Dimension.TAGS,
        "Region": Dimension.TAGS,
        "Preferred language for Q&A": Dimension.TAGS,  # a speaker category: speaker tags
    }


@pytest.mark.parametrize(
    ("title", "category_type", "expected"),
    [
        ("Which track does your session best fit into?", "session", Dimension.TRACKS),
        ("TRACKS", "session", Dimension.TRACKS),
        ("Level", "session", Dimension.LEVELS),
        ("Audience level", "session", Dimension.LEVELS),
        ("Please select session type:", "session", Dimension.FORMAT),
        ("Session-Type", "session", Dimension.FORMAT),
        ("Format", "session", Dimension.FORMAT),
        ("Session format", "session", Dimension.FORMAT),
        ("Language", "session", Dimension.LANGUAGE),
        ("In which language will you present?", "session", Dimension.LANGUAGE),
        ("Topics", "session", Dimension.TAGS),
        ("Additional information", "session", Dimension.TAGS),
        ("Prototype ready?", "session", Dimension.TAGS),
        ("Language", "speaker", Dimension.TAGS),
        ("Track", "speaker", Dimension.TAGS),
    ],
)
def test_default_dimension_keywords_r_sz_2(
    title: str, category_type: str, expected: Dimension
) -> None:
    assert default_dimension(title, category_type) is expected


def test_override_map_wins_over_default_r_sz_2() -> None:
    parsed = feed("all_2024.json")
    mapping = default_category_map(
        parsed.categories,
        overrides={
            "topics": "tracks",
            "  Level ": Dimension.TAGS,
            "Region": "levels",  # a speaker category stays speaker tags
            "Not in the feed": "format",
        },
    )
    assert mapping["Topics"] is Dimension.TRACKS
    assert mapping["Level"] is Dimension.TAGS
    assert mapping["Region"] is Dimension.TAGS
    assert "Not in the feed" not in mapping
    talk = parsed.session("880001")
    assert talk is not None
    taxonomy = classify_session(talk, mapping)
    assert taxonomy.tracks == ("Cloud & Infrastructure", "Kubernetes")
    assert taxonomy.levels == ()
    assert taxonomy.tags == ("Introductory and overview",)


def test_override_with_unknown_dimension_refused_r_sz_2() -> None:
    with pytest.raises(ValueError, match="not one of tracks, levels, format, language, tags"):
        default_category_map(feed("all_2024.json").categories, overrides={"Level": "speed"})


def test_classify_session_dimensions_keep_every_item_r_sz_2_r_sz_3() -> None:
    parsed = feed("all_2024.json")
    mapping = default_category_map(parsed.categories)
    sessions = {s.id: s for s in parsed.sessions}

    talk = classify_session(sessions["880001"], mapping)
    assert talk.tracks == ("Cloud & Infrastructure",)
    assert talk.levels == ("Introductory and overview",)
    assert talk.format == "Session (45 min)"
    assert talk.language == "en"
    assert talk.tags == ("Kubernetes",)
    assert talk.notes == ()

    keynote = classify_session(sessions["880005"], mapping)
    assert (keynote.format, keynote.language, keynote.tracks) == ("Keynote", "de", ())

    workshop = classify_session(sessions["880003"], mapping)
    assert workshop.format == "Workshop (3 h)"
    assert workshop.language is None
    assert workshop.tags == (
        "Please select session type: Lightning talk",
        "Language: Klingon",
        "Accessibility",
    )
    assert workshop.notes == (
        "session 880003: format 'Workshop (3 h)' kept; 'Lightning talk' kept as the tag "
        "'Please select session type: Lightning talk'",
        "session 880003: 'Klingon' is not a known language; 'Klingon' kept as the tag "
        "'Language: Klingon'",
    )

    lunch = classify_session(sessions[LUNCH], mapping)
    assert lunch == classify_session(sessions[LUNCH], {})
    assert (lunch.tracks, lunch.levels, lunch.format, lunch.language, lunch.tags) == (
        (),
        (),
        None,
        None,
        (),
    )


def test_classify_without_map_uses_defaults_r_sz_2() -> None:
    parsed = feed("all_2020.json")
    taxonomy = classify_session(parsed.sessions[1], {})
    assert (taxonomy.format, taxonomy.levels) == ("Demo", ("Expert",))
    parsed_2023 = feed("all_2023.json")
    mapping = default_category_map(parsed_2023.categories)
    assert mapping == {"Track": Dimension.TRACKS, "Session language": Dimension.LANGUAGE}
    assert classify_session(parsed_2023.sessions[0], mapping).language == "de"
    assert classify_session(parsed_2023.sessions[1], mapping).language == "en"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("English", "en"),
        ("ENGLISH", "en"),
        ("German", "de"),
        ("Deutsch", "de"),
        ("deutsch", "de"),
        ("French", "fr"),
        ("Français", "fr"),
        ("Spanish", "es"),
        ("Español", "es"),
        ("Italian", "it"),
        ("Italiano", "it"),
        ("Dutch", "nl"),
        ("Nederlands", "nl"),
        ("Portuguese", "pt"),
        ("Português", "pt"),
        ("Polish", "pl"),
        ("Polski", "pl"),
        ("Swedish", "sv"),
        ("Svenska", "sv"),
        ("Danish", "da"),
        ("Dansk", "da"),
        ("Norwegian", "no"),
        ("Norsk", "no"),
        ("Finnish", "fi"),
        ("Suomi", "fi"),
        ("Czech", "cs"),
        ("Čeština", "cs"),
        ("Japanese", "ja"),
        ("日本語", "ja"),
        ("Chinese", "zh"),
        ("中文", "zh"),
        ("Ukrainian", "uk"),
        ("Українська", "uk"),
        ("Russian", "ru"),
        ("Русский", "ru"),
        ("en", "en"),
        ("DE", "de"),
        ("en-GB", "en"),
        ("pt_BR", "pt"),
        (" English (UK) ", "en"),
        ("🇩🇪 Deutsch", "de"),
        ("Français 🇫🇷", "fr"),
        ("Klingon", None),
        ("zz", None),
        ("", None),
        ("English and German", None),
    ],
)
def test_language_names_become_iso_codes_r_sz_2(name: str, code: str | None) -> None:
    assert language_code(name) == code


def test_a_bilingual_session_keeps_its_second_language_as_a_tag_r_sz_3() -> None:
    parsed = feed("all_2024.json")
    sessions = {s.id: s for s in parsed.sessions}
    english, deutsch = (
        CategoryItemRef("5004", "Language", "session", item, name)
        for item, name in (("50041", "English"), ("50042", "Deutsch"))
    )
    bilingual = dataclasses.replace(sessions["880001"], category_items=(deutsch, english))
    taxonomy = classify_session(bilingual, default_category_map(parsed.categories))
    assert (taxonomy.language, taxonomy.tags) == ("de", ("Language: English",))
    assert taxonomy.notes == (
        "session 880001: language 'de' kept; 'English' kept as the tag 'Language: English'",
    )


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("Company Name", "company"),
        ("Which organisation do you work for?", "company"),
        ("Job title", "job_title"),
        ("Your role", "job_title"),
        ("Phone number", "mobile_phone"),
        ("Company website", "website"),
        ("LinkedIn", "linkedin_url"),
        ("X (Twitter) handle", "twitter_url"),
        ("Facebook page", "facebook_url"),
        ("Attending dinner?", None),
    ],
)
def test_speaker_questions_name_the_field_they_fill_r_sz_2(
    question: str, field: str | None
) -> None:
    assert question_field(question) == field


@pytest.mark.parametrize(
    ("title", "dimension"),
    [
        ("Technology stack (type all that apply)", Dimension.TAGS),
        ("Topics: select all that apply", Dimension.TAGS),
        ("Please select session type:", Dimension.FORMAT),
        ("Which track does your session best fit into?", Dimension.TRACKS),
    ],
)
def test_multi_choice_titles_default_to_tags_r_sz_2(title: str, dimension: Dimension) -> None:
    assert default_dimension(title) is dimension


def test_map_settings_read_title_equals_dimension_r_sz_2() -> None:
    assert parse_map_setting("Session  format = format") == ("Session format", Dimension.FORMAT)
    assert parse_map_setting("A=B=ignore") == ("A=B", Dimension.IGNORE)
    assert parse_map_setting("Level=default") == ("Level", None)
    with pytest.raises(ValueError, match=re.escape("'speed' is not one of tracks|levels")):
        parse_map_setting("Level=speed")
    with pytest.raises(ValueError, match="expected TITLE=DIMENSION"):
        parse_map_setting("Level")


def test_an_ignored_category_leaves_its_items_out_r_sz_2() -> None:
    parsed = feed("all_2024.json")
    mapping = default_category_map(parsed.categories, overrides={"Level": "ignore"})
    talk = classify_session(next(s for s in parsed.sessions if s.id == "880001"), mapping)
    assert (talk.levels, talk.tags) == ((), ("Kubernetes",))
