"""Images as the Swoogo simulator keeps them, and how it tells what a file is.

Settled here (ASSUMPTIONs, where the notes leave it open): fields are contact/registrant
`profile_picture` and sponsor `logo` (or `logo_id`). Limit 1 MiB (1,048,576 bytes; knob
`image_max_bytes`); checks in Yii2 order: a file is there, its size, its extension
(`jpg, jpeg, gif, png, webp, svg`), and its content must be an image of that kind (magic
bytes; Yii2 checks the MIME type). The URL (`https://assets.swoogo.test/uploads/...`) is
stored on the speakers' `profile_picture` / the sponsor's `logo_id` (the real type of
`logo_id` is unknown).
"""

from __future__ import annotations

from dataclasses import dataclass

ASSET_BASE = "https://assets.swoogo.test/uploads"
IMAGE_EXTENSIONS = ("jpg", "jpeg", "gif", "png", "webp", "svg")
EXTENSION_KIND = {
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "gif": "gif",
    "png": "png",
    "webp": "webp",
    "svg": "svg",
}
IMAGE_FIELDS: dict[str, dict[str, str]] = {  # image type -> accepted field -> stored field
    "contact": {"profile_picture": "profile_picture"},
    "registrant": {"profile_picture": "profile_picture"},
    "sponsor": {"logo": "logo", "logo_id": "logo"},
}


def sniff_image(data: bytes) -> str | None:
    """The image kind the bytes are, by magic number: jpeg, png, gif, webp, svg, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    head = data[:4096].lstrip().lower()
    if (head.startswith((b"<?xml", b"<svg", b"<!doctype svg"))) and b"<svg" in head:
        return "svg"
    return None


def format_size(size: int) -> str:
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} B"


@dataclass
class StoredImage:
    type: str
    id: int
    field: str
    url: str
    filename: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)
