"""The database: what the app keeps between requests (browser call summaries)."""

from .summaries import database_path, get_db, init_app, load_call, purge_expired, save_call

__all__ = ["database_path", "get_db", "init_app", "load_call", "purge_expired", "save_call"]
