"""A stand-in for the web servers where headshots and logos live, for the demo and the tests.

`GET /pictures/{name}.png?size=N&noise=1` answers an N x N PNG (default 400) drawn from the
name, so the same URL always gives the same bytes; `noise=1` makes it incompressible, which is
how tests get pictures above a partner's size limit. `GET /broken.png` answers bytes that are
not a picture.
"""

from __future__ import annotations

import hashlib
import io
import random

from fastapi import FastAPI, Query, Response
from PIL import Image, ImageDraw


def picture(name: str, size: int, noise: bool) -> bytes:
    seed = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    rng = random.Random(seed)
    if noise:
        image = Image.frombytes("RGB", (size, size), rng.randbytes(size * size * 3))
    else:
        colour = (rng.randrange(40, 200), rng.randrange(40, 200), rng.randrange(40, 200))
        image = Image.new("RGB", (size, size), colour)
        draw = ImageDraw.Draw(image)
        margin = size // 4
        draw.ellipse((margin, margin, size - margin, size - margin), fill=(240, 240, 240))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def create_app() -> FastAPI:
    app = FastAPI(title="picture host")

    @app.get("/pictures/{name}.png")
    def get_picture(
        name: str, size: int = Query(400, ge=1, le=4000), noise: bool = False
    ) -> Response:
        return Response(picture(name, size, noise), media_type="image/png")

    @app.get("/broken.png")
    def broken() -> Response:
        return Response(b"this is not a picture", media_type="image/png")

    return app
