"""Alembic's environment: migrate the connection ivr.store.schema hands over, to match ivr.store.models."""

from __future__ import annotations

from alembic import context

from ivr.store.models import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")  # SQLite alters tables by copying
with context.begin_transaction():
    context.run_migrations()
