"""R-TX-5: headshots and logos fetched and fitted under a partner's size limit."""

from __future__ import annotations

import io
import random

import httpx
import pytest
from PIL import Image

from agendasync.partners.images import Picture, fit_image
from agendasync.partners.swoogo import IMAGE_MAX_BYTES
from agendasync.simulators.pictures import picture
from agendasync.sync.errors import Rejected

URL = "https://img.example/speakers/ada.png"


def _encoded(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=kind)
    return out.getvalue()


def _noisy(width: int, height: int, kind: str = "PNG") -> bytes:
    rng = random.Random(f"{width}x{height}")
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    return _encoded(image, kind)


async def _fit(body: bytes, max_bytes: int, status: int = 200) -> Picture:
    """`fit_image` with a client whose every GET answers `status` and `body`."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        return await fit_image(http, URL, max_bytes)


@pytest.mark.parametrize(
    ("width", "height", "max_bytes"),
    [(700, 500, IMAGE_MAX_BYTES), (600, 250, 60_000)],
)
async def test_big_png_downscaled_under_the_limit_keeping_its_aspect_r_tx_5(
    width: int, height: int, max_bytes: int
) -> None:
    original = _noisy(width, height)
    assert len(original) > max_bytes

    fitted = await _fit(original, max_bytes)

    image = Image.open(io.BytesIO(fitted.data))
    assert len(fitted.data) <= max_bytes
    assert (image.format, fitted.filename, fitted.content_type) == (
        "PNG",
        "image.png",
        "image/png",
    )
    assert image.width < width
    assert abs(image.width * height / width - image.height) <= 1


async def test_small_jpeg_sent_unchanged_r_tx_5() -> None:
    original = _encoded(Image.new("RGB", (40, 30), (200, 40, 90)), "JPEG")

    fitted = await _fit(original, IMAGE_MAX_BYTES)

    assert fitted == Picture("image.jpg", original, "image/jpeg")


async def test_unlisted_format_converted_to_png_r_tx_5() -> None:
    original = _encoded(Image.new("RGB", (40, 30), (200, 40, 90)), "BMP")

    fitted = await _fit(original, IMAGE_MAX_BYTES)

    image = Image.open(io.BytesIO(fitted.data))
    assert (fitted.filename, fitted.content_type) == ("image.png", "image/png")
    assert (image.format, image.size) == ("PNG", (40, 30))


async def test_redirect_followed_r_tx_5() -> None:
    original = _encoded(Image.new("RGB", (20, 20), (1, 2, 3)), "PNG")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/moved.png":
            return httpx.Response(302, headers={"Location": URL})
        return httpx.Response(200, content=original)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        fitted = await fit_image(http, "https://img.example/moved.png", IMAGE_MAX_BYTES)

    assert fitted.data == original


async def test_bytes_that_are_not_a_picture_rejected_naming_the_url_r_tx_5() -> None:
    with pytest.raises(Rejected) as rejected:
        await _fit(b"this is not a picture", IMAGE_MAX_BYTES)

    assert str(rejected.value) == f"could not read the image {URL}: not a supported picture"


@pytest.mark.parametrize("status", [404, 500])
async def test_image_that_cannot_be_fetched_rejected_naming_the_url_r_tx_5(status: int) -> None:
    with pytest.raises(Rejected) as rejected:
        await _fit(b"gone", IMAGE_MAX_BYTES, status=status)

    assert str(rejected.value) == f"could not fetch the image {URL}: HTTPStatusError"


async def test_unreachable_host_rejected_naming_the_url_r_tx_5() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route to host", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        with pytest.raises(Rejected) as rejected:
            await fit_image(http, URL, IMAGE_MAX_BYTES)

    assert str(rejected.value) == f"could not fetch the image {URL}: ConnectError"


# --- the picture host used by the demo and the tests -----------------------------------------


@pytest.mark.parametrize("noise", [False, True])
def test_picture_host_same_name_same_bytes(noise: bool) -> None:
    first = picture("ada", 48, noise)

    assert picture("ada", 48, noise) == first
    assert picture("grace", 48, noise) != first
    assert Image.open(io.BytesIO(first)).size == (48, 48)
    assert Image.open(io.BytesIO(first)).format == "PNG"


def test_picture_host_noise_makes_it_incompressible() -> None:
    size = 48

    assert len(picture("ada", size, True)) > size * size * 3
    assert len(picture("ada", size, False)) < size * size
