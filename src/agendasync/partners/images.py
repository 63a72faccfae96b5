"""Fetching a headshot or logo and fitting it under a partner's size limit (R-TX-5)."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass

import httpx
from PIL import Image, UnidentifiedImageError

from agendasync.sync.errors import Rejected

_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}


_FETCH_ATTEMPTS = 3


@dataclass(frozen=True)
class Picture:
    filename: str
    data: bytes
    content_type: str


async def fit_image(http: httpx.AsyncClient, url: str, max_bytes: int) -> Picture:
    """The image at `url`, downscaled (aspect ratio kept) until it is at most `max_bytes`.

    An image that cannot be fetched or read raises `Rejected`: the record it belongs to is
    synced without it, and the report says why."""
    for attempt in range(1, _FETCH_ATTEMPTS + 1):
        try:
            response = await http.get(url, follow_redirects=True)
            response.raise_for_status()
            break
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            # The picture host dropped the answer half-way: a passing fault, tried again.
            if attempt == _FETCH_ATTEMPTS:
                raise Rejected(
                    f"could not fetch the image {url}: {exc.__class__.__name__}"
                ) from exc
            await asyncio.sleep(0.2 * attempt)
        except httpx.HTTPError as exc:
            raise Rejected(f"could not fetch the image {url}: {exc.__class__.__name__}") from exc
    try:
        image, kind, data = _open(response.content)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise Rejected(f"could not read the image {url}: not a supported picture") from exc
    while len(data) > max_bytes:
        scale = max(0.1, min(0.9, (max_bytes / len(data)) ** 0.5))
        width, height = max(1, int(image.width * scale)), max(1, int(image.height * scale))
        if (width, height) == (image.width, image.height):
            raise Rejected(f"could not shrink the image {url} under {max_bytes} bytes")
        try:
            image = image.resize((width, height), Image.Resampling.LANCZOS)
        except OSError as exc:
            raise Rejected(f"could not read the image {url}: it is damaged") from exc
        data = _encode(image, kind)
    extension, content_type = _FORMATS[kind]
    return Picture(f"image.{extension}", data, content_type)


def _open(content: bytes) -> tuple[Image.Image, str, bytes]:
    """The picture, its format and its bytes. Opening reads the header only: the pixels are
    decoded when it must shrink, or when its format is none the partners take (sent as PNG)."""
    try:
        image = Image.open(io.BytesIO(content), formats=list(_FORMATS))
        return image, str(image.format), content
    except UnidentifiedImageError:
        image = Image.open(io.BytesIO(content))
        return image, "PNG", _encode(image, "PNG")


def _encode(image: Image.Image, kind: str) -> bytes:
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(
        out,
        format=kind,
        **({"quality": 85, "optimize": True} if kind == "JPEG" else {"optimize": True}),
    )
    return out.getvalue()
