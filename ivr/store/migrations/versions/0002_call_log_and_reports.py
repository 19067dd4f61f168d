"""The call log (one row per Twilio call, its steps), the coach's rehearsal reports and open rehearsals.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    # A SQLite file from the coach's first (pre-Alembic) store already has the report tables: keep them.
    if "rehearsal_reports" not in existing:
        op.create_table(
            "rehearsal_reports",
            sa.Column("id", sa.Text, primary_key=True),
            sa.Column("created_at", sa.Double, nullable=False),
            sa.Column("report", sa.Text, nullable=False),
        )
        op.create_index("rehearsal_reports_created", "rehearsal_reports", ["created_at"])
    if "open_rehearsals" not in existing:
        op.create_table(
            "open_rehearsals",
            sa.Column("call_key", sa.Text, primary_key=True),
            sa.Column("updated_at", sa.Double, nullable=False),
            sa.Column("state", sa.Text, nullable=False),
        )
    op.create_table(
        "call_log",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("started_at", sa.Double, nullable=False),
        sa.Column("outcome", sa.Text),
        sa.Column("duration", sa.Integer),
    )
    op.create_index("call_log_started", "call_log", ["started_at"])
    op.create_table(
        "call_steps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.Text, sa.ForeignKey("call_log.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.Double, nullable=False),
        sa.Column("node", sa.Text, nullable=False),
        sa.Column("reference", sa.Text),
    )
    op.create_index("call_steps_call", "call_steps", ["call_id"])


def downgrade() -> None:
    op.drop_table("call_steps")
    op.drop_table("call_log")
    op.drop_table("open_rehearsals")
    op.drop_table("rehearsal_reports")
