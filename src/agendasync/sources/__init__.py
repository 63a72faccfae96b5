"""The way in: event files, Sessionize, demo content."""
