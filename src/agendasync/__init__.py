"""agendasync: an event-content hub."""
