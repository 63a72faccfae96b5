"""When a continuously synced mapping runs next. Pure."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

INTERVAL = timedelta(minutes=30)
# Spread around the interval, so that mappings switched on together drift apart.
JITTER = timedelta(minutes=3)


def next_run(after: datetime, rng: random.Random | None = None) -> datetime:
    """About `INTERVAL` after `after`, give or take `JITTER`."""
    spread = (rng or random).uniform(-1.0, 1.0) * JITTER.total_seconds()
    return after + INTERVAL + timedelta(seconds=spread)
