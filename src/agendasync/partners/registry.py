"""Every partner the hub knows; importing this registers them. Adding a partner: one line."""

from agendasync.partners import swoogo  # noqa: F401
