"""What the store refuses; every message names the record and the problem."""


class StoreError(Exception):
    """Base of the store's refusals."""


class StoreUnavailable(StoreError):
    """The database cannot be opened: a bad URL, an unknown dialect, a server not reachable."""


class NotFound(StoreError):
    """The record asked for does not exist (or belongs to another organisation)."""


class Conflict(StoreError):
    """The write would break a uniqueness rule (a slug, a name, a speaker's email)."""
