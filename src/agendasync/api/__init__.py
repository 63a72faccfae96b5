"""The REST API (FastAPI) under `/api/`."""
