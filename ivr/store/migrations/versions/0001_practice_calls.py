"""practice_calls: the browser call summaries, as the first (pre-Alembic) SQLite schema had them.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A file made before Alembic already has this table (and its summaries): keep it as it is.
    if sa.inspect(op.get_bind()).has_table("practice_calls"):
        return
    op.create_table(
        "practice_calls",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
    )
    op.create_index("practice_calls_created", "practice_calls", ["created_at"])


def downgrade() -> None:
    op.drop_table("practice_calls")
