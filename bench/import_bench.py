"""How long a Sessionize import takes: a generated view/All of 5,000 sessions, 6,000 speakers.

The feed is served by the Sessionize simulator over loopback and imported into a fresh SQLite
store: first import, re-import of the same feed (skipped by its hash), re-import with 10% of
the sessions edited, re-import with 90% of the sessions gone (withdrawn). Run:
`.venv/bin/python bench/import_bench.py [--sessions N] [--speakers N] [--profile]`. Prints the
figures, then one JSON line of them. Goals: first import under 3 s, unchanged re-import under
0.1 s, 10% edited under half the first import.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import random
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from agendasync.domain.models import Event
from agendasync.simulators.server import serve_in_thread
from agendasync.sources.sessionize.importer import ImportReport, import_sessionize
from agendasync.sources.sessionize.simulator import SessionizeState, create_app
from agendasync.store import Store
from agendasync.store.events import create_organisation, save_event

ENDPOINT = "bench001"
FIRST_DAY = date(2027, 5, 10)
DAYS = 10
ROOMS = 40
SLOT_MINUTES = 45
SLOTS_PER_DAY = 13  # 08:00 to 18:45 with 5-minute breaks
WORDS = [
    *("cloud", "platform", "data", "kubernetes", "pipeline", "frontend", "security", "testing"),
    *("observability", "scale", "team", "culture", "design", "api", "serverless", "edge"),
    *("model", "latency", "cost", "migration", "legacy", "resilience"),
]
FIRST_NAMES = ["Åsne", "José", "Mei", "Jürgen", "Chloé", "Lars", "Aisha", "Piotr", "Tomáš"]
LAST_NAMES = ["Lind", "Núñez", "Zhang", "Müller", "Lefèvre", "Ødegaard", "Al-Farsi", "Dvořák"]
ROLES = ["Engineer", "CTO", "Architect"]

CATEGORIES: list[tuple[str, str, list[str]]] = [
    ("Which track does your session best fit into?", "session", [f"Track {n}" for n in range(20)]),
    ("Level", "session", ["Introductory", "Intermediate", "Advanced"]),
    ("Please select session type:", "session", ["Session", "Workshop", "Lightning talk"]),
    ("Language", "session", ["English", "Deutsch", "Français"]),
    ("Topics", "session", [f"Topic {word}" for word in WORDS]),
    ("Speaking experience", "speaker", ["First-time speaker", "Seasoned speaker"]),
    ("Region", "speaker", ["Nordics", "Iberia", "DACH", "Benelux", "UK & Ireland", "Baltics"]),
]


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def generate_feed(sessions: int, speakers: int, seed: int = 7) -> dict[str, Any]:
    """A realistic view/All: categories, rooms, multi-speaker talks, service sessions, a few
    unscheduled sessions and a few outside the event's dates."""
    rng = random.Random(seed)
    categories = []
    items: dict[str, list[int]] = {}
    for number, (title, kind, names) in enumerate(CATEGORIES, start=1):
        ids = [number * 1000 + i for i in range(len(names))]
        items[title] = ids
        categories.append(
            {
                "id": number,
                "title": title,
                "items": [
                    {"id": i, "name": n, "sort": s}
                    for s, (i, n) in enumerate(zip(ids, names, strict=True))
                ],
                "sort": number,
                "type": kind,
            }
        )
    rooms = [
        {"id": 100 + r, "name": f"Hall {r + 1} ({rng.choice([40, 80, 150, 400])})", "sort": r}
        for r in range(ROOMS)
    ]

    *single_choice, topics, experience, region = items.values()  # in CATEGORIES order
    session_list: list[dict[str, Any]] = []
    talk_indexes: list[int] = []
    for index in range(sessions):
        slot, room = divmod(index, ROOMS)
        day, slot_of_day = divmod(slot, SLOTS_PER_DAY)
        starts = datetime.combine(FIRST_DAY + timedelta(days=day % DAYS), datetime.min.time())
        starts += timedelta(hours=8, minutes=slot_of_day * (SLOT_MINUTES + 5))
        service = index % 20 == 0
        scheduled = index % 97 != 1
        if index % 151 == 2:
            starts -= timedelta(days=1)  # the day before the event: left out
        session: dict[str, Any] = {
            "id": str(uuid.UUID(int=rng.getrandbits(128))) if service else str(500_000 + index),
            "title": "Coffee break" if service else _text(rng, 6),
            "description": None if service else _text(rng, 90),
            "startsAt": starts.isoformat() if scheduled else None,
            "endsAt": (starts + timedelta(minutes=SLOT_MINUTES)).isoformat() if scheduled else None,
            "isServiceSession": service,
            "isPlenumSession": service and room == 0,
            "speakers": [],
            "categoryItems": []
            if service
            else [*(rng.choice(ids) for ids in single_choice), *rng.sample(topics, 2)],
            "questionAnswers": [],
            "roomId": rooms[room]["id"] if scheduled else None,
            "liveUrl": None,
            "recordingUrl": None,
            "status": None if service else "Accepted",
            "isInformed": not service,
            "isConfirmed": not service,
        }
        if not service:
            talk_indexes.append(index)
        session_list.append(session)

    speaker_list: list[dict[str, Any]] = []
    for number in range(speakers):
        # Every speaker has a talk; the talks that get a second or third speaker are panels.
        talks = [talk_indexes[number % len(talk_indexes)]]
        if rng.random() < 0.1:
            talks.append(rng.choice(talk_indexes))
        speaker_id = str(uuid.UUID(int=rng.getrandbits(128)))
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        for talk in dict.fromkeys(talks):
            session_list[talk]["speakers"].append(speaker_id)
        handle = f"{first}{last}{number}".lower()
        speaker_list.append(
            {
                "id": speaker_id,
                "firstName": first,
                "lastName": last,
                "fullName": f"{first} {last}",
                "bio": _text(rng, 60),
                "tagLine": f"{rng.choice(ROLES)} at Company {number % 900}",
                "profilePicture": f"https://sessionize.com/image/{number:04x}-400o400o1-{handle}.jpg",
                "links": [
                    {
                        "title": "X (Twitter)",
                        "url": f"https://x.com/{handle}",
                        "linkType": "Twitter",
                    },
                    {
                        "title": "LinkedIn",
                        "url": f"https://www.linkedin.com/in/{handle}",
                        "linkType": "LinkedIn",
                    },
                    {"title": "Blog", "url": f"https://{handle}.example.com", "linkType": "Blog"},
                ],
                "sessions": [int(session_list[talk]["id"]) for talk in dict.fromkeys(talks)],
                "categoryItems": [rng.choice(experience), rng.choice(region)],
                "questionAnswers": [],
                "isTopSpeaker": number % 50 == 0,
            }
        )
    return {
        "sessions": session_list,
        "speakers": speaker_list,
        "questions": [],
        "categories": categories,
        "rooms": rooms,
    }


def edit_sessions(feed: dict[str, Any], share: float) -> None:
    """Edit the title of `share` of the sessions (spread over the feed)."""
    step = round(1 / share)
    for session in feed["sessions"][::step]:
        session["title"] = f"{session['title']} (updated)"


def encode(feed: dict[str, Any]) -> bytes:
    return json.dumps(feed, ensure_ascii=False, indent=2).encode("utf-8")


def timed_import(
    store: Store, base_url: str, profile: cProfile.Profile | None
) -> tuple[float, ImportReport]:
    started = time.perf_counter()
    if profile:
        profile.enable()
    report = asyncio.run(import_sessionize(store, "bench", endpoint_id=ENDPOINT, base_url=base_url))
    if profile:
        profile.disable()
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=5_000)
    parser.add_argument("--speakers", type=int, default=6_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the first import")
    args = parser.parse_args()

    feed = generate_feed(args.sessions, args.speakers)
    body = encode(feed)
    started = time.perf_counter()
    json.loads(body)
    parse_s = time.perf_counter() - started
    print(
        f"feed: {args.sessions} sessions, {args.speakers} speakers, {len(body) / 1e6:.1f} MB; "
        f"json.loads {parse_s:.3f} s"
    )

    state = SessionizeState()
    state.load(ENDPOINT, body)
    profile = cProfile.Profile() if args.profile else None
    with tempfile.TemporaryDirectory() as folder, serve_in_thread(create_app(state)) as base_url:
        store = Store(f"sqlite:///{Path(folder) / 'bench.db'}")
        with store.transaction() as connection:
            org = create_organisation(connection, "Bench")
            save_event(
                connection,
                Event(
                    org_id=org.id,
                    slug="bench",
                    name="Bench Conf",
                    timezone="Europe/Berlin",
                    start_date=FIRST_DAY,
                    end_date=FIRST_DAY + timedelta(days=DAYS - 1),
                ),
            )
        import_s, first = timed_import(store, base_url, profile)
        left_out = first.left_out_by_reason()
        print(
            f"first import:       {import_s:.3f} s  sessions {first.sessions.created} created, "
            f"speakers {first.speakers.created} created, taxonomy {first.taxonomy.created} "
            f"created; left out {', '.join(f'{n} {r.value}' for r, n in left_out.items())}"
        )
        unchanged_s, again = timed_import(store, base_url, None)
        print(f"unchanged re-import: {unchanged_s:.3f} s  status {again.status.value}")
        edit_sessions(feed, 0.1)
        state.load(ENDPOINT, encode(feed))
        changed_s, changed = timed_import(store, base_url, None)
        print(
            f"10% edited:         {changed_s:.3f} s  sessions {changed.sessions.updated} updated, "
            f"{changed.sessions.unchanged} unchanged"
        )
        feed["sessions"] = feed["sessions"][: len(feed["sessions"]) // 10]
        state.load(ENDPOINT, encode(feed))
        withdraw_s, withdrawn = timed_import(store, base_url, None)
        print(
            f"90% withdrawn:      {withdraw_s:.3f} s  sessions {withdrawn.sessions.withdrawn} "
            f"withdrawn, speakers {withdrawn.speakers.withdrawn} withdrawn"
        )
        store.close()
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    print(
        json.dumps(
            {
                "sessions": args.sessions,
                "speakers": args.speakers,
                "parse_s": round(parse_s, 3),
                "import_s": round(import_s, 3),
                "reimport_unchanged_s": round(unchanged_s, 3),
                "reimport_changed_10pct_s": round(changed_s, 3),
                "reimport_withdraw_90pct_s": round(withdraw_s, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
