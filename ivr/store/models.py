"""Every table the app keeps, as SQLAlchemy Core tables in one MetaData (Alembic migrates to match)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Double, ForeignKey, Index, Integer, MetaData, Table, Text

metadata = MetaData()

# Browser practice-call summaries, under an unguessable id (the only key to a summary).
# Columns as the first SQLite schema made them, so an old file needs no change.
practice_calls = Table(
    "practice_calls", metadata,
    Column("id", Text, primary_key=True),
    Column("created_at", Double, nullable=False),  # Unix time of the hang-up
    Column("summary", Text, nullable=False),  # JSON: path, references, transcript (digits masked)
    Index("practice_calls_created", "created_at"),
)

# Rehearsal reports from the coach, kept like the summaries.
rehearsal_reports = Table(
    "rehearsal_reports", metadata,
    Column("id", Text, primary_key=True),
    Column("created_at", Double, nullable=False),
    Column("report", Text, nullable=False),  # JSON (digit runs masked)
    Index("rehearsal_reports_created", "created_at"),
)

# The latest state of a Twilio rehearsal still in progress (keyed by a hash of the CallSid), so the
# status callback can finish its report when the caller hangs up mid-conversation.
open_rehearsals = Table(
    "open_rehearsals", metadata,
    Column("call_key", Text, primary_key=True),
    Column("updated_at", Double, nullable=False),
    Column("state", Text, nullable=False),  # the desk's signed state token
)

# One row per Twilio call. The id is a hash of the CallSid; the caller's number is never stored.
call_log = Table(
    "call_log", metadata,
    Column("id", Text, primary_key=True),
    Column("started_at", Double, nullable=False),  # the first webhook seen for the call
    Column("outcome", Text),  # CallStatus from the status callback (completed, busy, failed...)
    Column("duration", Integer),  # CallDuration in seconds, from the status callback
    # Where the stored status stands among the call's callbacks (call_log.status_order): a callback that
    # comes later in the call replaces it, a late or repeated one does not.
    Column("status_seq", BigInteger),  # SequenceNumber, -1 without one
    Column("status_rank", BigInteger),  # Timestamp * 8 + the call state's order
    Index("call_log_started", "started_at"),
)

# The nodes a call went through, in order, with the reference number read at a node if any.
call_steps = Table(
    "call_steps", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_id", Text, ForeignKey("call_log.id", ondelete="CASCADE"), nullable=False),
    Column("at", Double, nullable=False),
    Column("node", Text, nullable=False),
    Column("reference", Text),
    Column("event", Text),  # the spooled event's key and the step's place in it: shipped twice, kept once
    Index("call_steps_call", "call_id"),
    Index("call_steps_event", "event", unique=True),
)
