"""A realistic conference, made up from a seed: the content of `agendasync demo-data`.

Several days and rooms, 1-4 speakers per session plus moderators and chairpersons, coloured
tags, a mix of statuses, some sessions unscheduled, some in the past, a few spanning midnight
or several days, speakers with optional fields left out. The same seed gives the same event.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agendasync.domain.event_json import (
    EventDocument,
    EventHeader,
    ExhibitorEntry,
    PersonEntry,
    SessionEntry,
    SpeakerEntry,
    SponsorEntry,
    TaxonomyEntry,
    TaxonomyLists,
)
from agendasync.domain.models import (
    ContentFile,
    Person,
    Role,
    SessionStatus,
    SpeakerStatus,
)

FIRST_NAMES = (  # noqa: SIM905 (a list of words reads best as words)
    "Ada Grace Alan Linus Margaret Ken Barbara Dennis Frances Guido Radia Tim Katherine "
    "Edsger Hedy Donald Sophie Joan Niklaus Anita Yukihiro Ingrid Åsne Zoë José Chiara "
    "Mehmet Priya Kwame Lena Mateo Yuki Olusegun Freya Dmitri Aisha Björn Camille Rafael "
    "Noor Tomasz Ines"
).split()
LAST_NAMES = (  # noqa: SIM905 (a list of words reads best as words)
    "Lovelace Hopper Turing Torvalds Hamilton Thompson Liskov Ritchie Allen Rossum Perlman "
    "Berners-Lee Johnson Dijkstra Lamarr Knuth Wilson Clarke Wirth Borg Matsumoto Daubechies "
    "Solberg Müller García Rossi Øvergaard Sharma Mensah Novak Fernández Tanaka Adeyemi "
    "Larsen Petrov Rahman Lindqvist Dubois Oliveira Haddad Kowalski Moreau"
).split()
COMPANIES = (
    "Northwind Labs",
    "Contoso Cloud",
    "Fabrikam Data",
    "Initech",
    "Globex Research",
    "Umbrella Health",
    "Stark Industries",
    "Wayne Analytics",
    "Acme Robotics",
    "Tyrell Systems",
)
JOB_TITLES = (
    "Principal Engineer",
    "CTO",
    "Developer Advocate",
    "Research Scientist",
    "Head of Platform",
    "Staff Engineer",
    "Product Manager",
    "Security Architect",
)
TOPICS = (
    "Observability",
    "Event Sourcing",
    "Kubernetes",
    "Rust",
    "Type Systems",
    "Accessibility",
    "Privacy Engineering",
    "Edge Computing",
    "Machine Learning Ops",
    "Postgres",
    "WebAssembly",
    "Design Systems",
    "Incident Response",
    "Green Software",
    "API Design",
)
PATTERNS = (
    "{topic} in Production: Lessons Learned",
    "A Practical Guide to {topic}",
    "{topic} at Scale",
    "Why {topic} Matters in 2027",
    "Zero to {topic} in 45 Minutes",
    "The Hidden Costs of {topic}",
    "{topic}: Myths and Realities",
    "Building Teams around {topic}",
)
FORMATS = ("Talk", "Workshop", "Keynote", "Panel", "Lightning Talk")
TRACKS = ("Cloud", "Data", "Frontend", "Security", "Leadership")
LEVELS = ("Beginner", "Intermediate", "Advanced")
TAGS = {
    "AI": "#7C3AED",
    "Open Source": "#16A34A",
    "Hands-on": "#EA580C",
    "Case Study": "#0891B2",
    "Sponsored": "#DB2777",
    "Live Demo": "#CA8A04",
}
TIERS = ("Platinum", "Gold", "Silver", "Bronze")
STATUS_WEIGHTS = {
    SessionStatus.ACCEPTED: 70,
    SessionStatus.SUBMITTED: 10,
    SessionStatus.WAITLISTED: 7,
    SessionStatus.DECLINED: 8,
    SessionStatus.CANCELLED: 5,
}


def demo_event(
    *,
    slug: str,
    sessions: int,
    speakers: int | None = None,
    seed: int = 1,
    today: date | None = None,
    name: str | None = None,
    timezone: str = "Europe/Berlin",
    pictures: str = "https://pictures.example",
) -> EventDocument:
    """An event of `sessions` sessions; it starts today, so the first ones may be past."""
    rng = random.Random(seed)
    today = today or date.today()
    days = max(2, min(5, sessions // 40 + 2))
    start = today
    tz = ZoneInfo(timezone)
    rooms = [f"Room {chr(65 + i)}" for i in range(max(3, min(40, sessions // 25)))]

    def uid() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    people = [
        _speaker(rng, uid(), i, pictures) for i in range(speakers or max(1, sessions * 3 // 2))
    ]
    # Everyone speaks at least once while there are sessions left; the rest pick at random.
    unassigned = list(range(len(people)))
    rng.shuffle(unassigned)

    session_entries = []
    for index in range(sessions):
        count = rng.choice((1, 1, 1, 2, 2, 3, 4))
        chosen = {unassigned.pop() for _ in range(min(count, len(unassigned)))}
        while len(chosen) < min(count, len(people)):
            chosen.add(rng.randrange(len(people)))
        roles = [(people[i], Role.SPEAKER) for i in sorted(chosen)]
        if count >= 3 and rng.random() < 0.6:
            roles.append((rng.choice(people), Role.MODERATOR))
        if rng.random() < 0.1:
            roles.append((rng.choice(people), Role.CHAIRPERSON))
        session_entries.append(
            _session(rng, uid(), index, start, days, tz, rooms, _unique_people(roles))
        )

    return EventDocument(
        event=EventHeader(
            slug=slug,
            name=name or f"DevConf {start.year}",
            timezone=timezone,
            start_date=start,
            end_date=start + timedelta(days=days - 1),
        ),
        taxonomy=TaxonomyLists(
            tags=[TaxonomyEntry(name=n, colour=c) for n, c in TAGS.items()],
            tracks=[TaxonomyEntry(name=n) for n in TRACKS],
            locations=[TaxonomyEntry(name=n) for n in rooms],
            levels=[TaxonomyEntry(name=n) for n in LEVELS],
            formats=[TaxonomyEntry(name=n) for n in FORMATS],
        ),
        speakers=people,
        sessions=session_entries,
        sponsors=[
            SponsorEntry(
                id=uid(),
                name=company,
                description=f"{company} builds tools for people who build software.",
                website=f"https://{company.lower().replace(' ', '')}.example",
                tier=TIERS[i % len(TIERS)],
                logo_url=f"{pictures}/pictures/{company.replace(' ', '-').lower()}.png",
            )
            for i, company in enumerate(COMPANIES[:6])
        ],
        exhibitors=[
            ExhibitorEntry(
                id=uid(),
                name=f"{company} Booth",
                website=f"https://{company.lower().replace(' ', '')}.example/booth",
                primary_contact=_person(rng),
                team=[_person(rng) for _ in range(rng.randint(0, 3))],
            )
            for company in COMPANIES[6:]
        ],
    )


def _unique_people(roles: list[tuple[SpeakerEntry, Role]]) -> list[PersonEntry]:
    unique = dict.fromkeys((str(speaker.id), role) for speaker, role in roles)
    return [PersonEntry(speaker=speaker, role=role) for speaker, role in unique]


def _person(rng: random.Random) -> Person:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return Person(first_name=first, last_name=last, email=_email(first, last, rng.randrange(10**6)))


def _email(first: str, last: str, number: int) -> str:
    local = f"{first}.{last}".lower().encode("ascii", "ignore").decode()
    return f"{local}.{number}@example.com"


def _speaker(rng: random.Random, speaker_id: uuid.UUID, index: int, pictures: str) -> SpeakerEntry:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    company = rng.choice(COMPANIES)
    complete = rng.random() < 0.7  # the rest leave the optional fields empty
    handle = f"{first}{last}".lower().encode("ascii", "ignore").decode()
    return SpeakerEntry(
        id=speaker_id,
        first_name=first,
        last_name=last,
        email=_email(first, last, index) if rng.random() < 0.95 else None,
        job_title=rng.choice(JOB_TITLES) if complete else None,
        honorific=rng.choice(("Dr.", "Prof.")) if rng.random() < 0.1 else None,
        company=company if complete else None,
        website=f"https://{handle}.example" if complete else None,
        biography=(
            f"{first} works on {rng.choice(TOPICS).lower()} at {company} and has spoken at "
            f"{rng.randint(2, 40)} conferences."
            if complete
            else ""
        ),
        headshot_url=f"{pictures}/pictures/{speaker_id}.png" if rng.random() < 0.8 else None,
        linkedin_url=f"https://www.linkedin.com/in/{handle}" if complete else None,
        twitter_url=f"https://x.com/{handle}" if rng.random() < 0.4 else None,
        tags=[rng.choice(list(TAGS))] if rng.random() < 0.2 else [],
        status=rng.choices(
            (SpeakerStatus.ACCEPTED, SpeakerStatus.INVITED, SpeakerStatus.DECLINED), (85, 10, 5)
        )[0],
    )


def _session(
    rng: random.Random,
    session_id: uuid.UUID,
    index: int,
    start: date,
    days: int,
    tz: ZoneInfo,
    rooms: list[str],
    people: list[PersonEntry],
) -> SessionEntry:
    topic = rng.choice(TOPICS)
    form = rng.choices(FORMATS, (60, 15, 5, 10, 10))[0]
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    shape = rng.random()
    if shape >= 0.06:  # 6% are not scheduled yet
        day = start + timedelta(days=rng.randrange(days))
        hour = rng.randrange(9, 18)
        starts_at = datetime.combine(day, time(hour, rng.choice((0, 15, 30, 45))), tz)
        minutes = {"Workshop": 120, "Keynote": 60, "Lightning Talk": 15}.get(form, 45)
        ends_at = starts_at + timedelta(minutes=minutes)
        if shape < 0.08:  # a night session across midnight
            starts_at = starts_at.replace(hour=22)
            ends_at = starts_at + timedelta(hours=3)
        elif shape < 0.09:  # a hackathon over several days
            ends_at = starts_at + timedelta(days=min(2, days - 1) or 1, hours=2)
    files = []
    if rng.random() < 0.2:
        files.append(
            ContentFile(
                url=f"https://files.example/slides/{session_id}.pdf",
                uploaded_at=datetime.combine(
                    start - timedelta(days=rng.randint(1, 30)), time(12), tz
                ),
            )
        )
    return SessionEntry(
        id=session_id,
        title=rng.choice(PATTERNS).format(topic=topic),
        description=f"What we learned about {topic.lower()} the hard way, and what to do instead.",
        starts_at=starts_at,
        ends_at=ends_at,
        status=rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0],
        language=rng.choices(("en", "de", "fr"), (85, 10, 5))[0],
        format=form,
        tags=rng.sample(list(TAGS), rng.randint(0, 2)),
        tracks=rng.sample(TRACKS, 2 if rng.random() < 0.1 else 1),
        locations=[rng.choice(rooms)] if starts_at else [],
        levels=[rng.choice(LEVELS)],
        files=files,
        client_session_id=f"S{index + 1:05d}",
        people=people,
    )
