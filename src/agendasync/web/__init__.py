"""The admin pages and the speaker portal (server-rendered templates), and the web app that
serves them together with the REST API."""
