"""The call log keeps each call's latest status by its place in the call, and each shipped step once.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("call_log", sa.Column("status_seq", sa.BigInteger))
    op.add_column("call_log", sa.Column("status_rank", sa.BigInteger))
    op.add_column("call_steps", sa.Column("event", sa.Text))
    op.create_index("call_steps_event", "call_steps", ["event"], unique=True)


def downgrade() -> None:
    op.drop_index("call_steps_event", "call_steps")
    with op.batch_alter_table("call_steps") as table:
        table.drop_column("event")
    with op.batch_alter_table("call_log") as table:
        table.drop_column("status_rank")
        table.drop_column("status_seq")
