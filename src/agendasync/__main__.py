"""`python -m agendasync`: the command line."""

from agendasync.cli import app

app()
