"""The database: what the app keeps between requests (browser call summaries, rehearsal reports)."""

from .reports import (keep_open_rehearsal, load_report, purge_expired_reports, save_report,
                      take_open_rehearsal)
from .summaries import database_path, get_db, init_app, load_call, purge_expired, save_call

__all__ = ["database_path", "get_db", "init_app", "load_call", "purge_expired", "save_call",
           "save_report", "load_report", "purge_expired_reports", "keep_open_rehearsal", "take_open_rehearsal"]
