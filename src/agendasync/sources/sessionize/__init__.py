"""Sessionize import (SPEC §9): `feed` parses view/All into `model` (pure), `categories` maps
category items (pure), `plan` decides what an import does (pure), `importer` reads and writes
the store, `client` fetches over HTTP, `simulator` fakes the API for tests, `exceptions` holds
the errors and `report` what an import tells."""

from agendasync.sources.sessionize.categories import (
    Dimension,
    SessionTaxonomy,
    classify_session,
    default_category_map,
    default_dimension,
)
from agendasync.sources.sessionize.exceptions import (
    EmailsKeyRejected,
    EmptyAnswer,
    EndpointChanged,
    EndpointIdMissing,
    EndpointNotFound,
    InvalidEndpointId,
    MalformedPayload,
    NotJson,
    PlaceholderData,
    ScheduleNotPublished,
    SessionizeError,
    Unreachable,
    UnreadableAnswer,
)
from agendasync.sources.sessionize.feed import (
    content_hash,
    is_placeholder_speaker_id,
    parse_all,
    parse_emails,
    parse_endpoint_id,
)
from agendasync.sources.sessionize.languages import language_code
from agendasync.sources.sessionize.model import (
    Category,
    CategoryItem,
    CategoryItemRef,
    Link,
    Room,
    Session,
    SessionizeFeed,
    Speaker,
)

__all__ = [
    "Category",
    "CategoryItem",
    "CategoryItemRef",
    "Dimension",
    "EmailsKeyRejected",
    "EmptyAnswer",
    "EndpointChanged",
    "EndpointIdMissing",
    "EndpointNotFound",
    "InvalidEndpointId",
    "Link",
    "MalformedPayload",
    "NotJson",
    "PlaceholderData",
    "Room",
    "ScheduleNotPublished",
    "Session",
    "SessionTaxonomy",
    "SessionizeError",
    "SessionizeFeed",
    "Speaker",
    "Unreachable",
    "UnreadableAnswer",
    "classify_session",
    "content_hash",
    "default_category_map",
    "default_dimension",
    "is_placeholder_speaker_id",
    "language_code",
    "parse_all",
    "parse_emails",
    "parse_endpoint_id",
]
