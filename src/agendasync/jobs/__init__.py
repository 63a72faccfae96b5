"""Continuous sync (R-MAP-4): the in-process dispatcher of `agendasync serve` on SQLite, and
procrastinate workers on PostgreSQL. Both run syncs through `services.syncing.run_sync`."""
