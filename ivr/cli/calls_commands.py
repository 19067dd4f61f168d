"""flask calls: the stored calls (Twilio's call log and the browser phone's summaries)."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from .. import store
from ..runtime import runtime

calls = AppGroup("calls", help="Stored calls: Twilio's call log and the browser phone's summaries.")


@calls.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def list_command(as_json: bool) -> None:
    """List kept calls, oldest first: source, start, duration, outcome, path and reference numbers."""
    rt = runtime()
    store.call_recorder().flush()  # what this process still holds goes in first
    found = store.list_calls(rt.settings.phone.keep_days, {n: c.label for n, c in rt.line.nodes.items()})
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    if not found:
        click.echo("No calls kept.")
        return
    click.echo(f"{'source':<8} {'started (UTC)':<20} {'duration':>8}  {'outcome':<12} {'id':<14} path [references]")
    for call in found:
        duration = "" if call["duration"] is None else f"{call['duration'] // 60}:{call['duration'] % 60:02d}"
        references = " ".join(ref["number"] for ref in call["references"])
        click.echo(f"{call['source']:<8} {call['started'].replace('T', ' ').rstrip('Z'):<20} {duration:>8}  "
                   f"{call['outcome'] or '':<12} {call['id'][:12] + '…':<14} {' > '.join(call['path'])}"
                   + (f" [{references}]" if references else ""))
    click.echo(f"{len(found)} call{'s' if len(found) != 1 else ''}.")


@calls.command("pending")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object instead of lines.")
@click.option("--limit", default=100, show_default=True, help="List at most this many events, oldest first.")
def pending_command(as_json: bool, limit: int) -> None:
    """List call-log events spooled and not yet shipped to the database (every worker's), oldest first."""
    from ..store.recorder import event_of
    from ..store.spool import age, pending

    recorder = store.call_recorder()
    rows, spool_uid, depth = pending(recorder.spool.path, limit)
    events = [(row, event_of(row, spool_uid)) for row in rows]
    if as_json:
        click.echo(json.dumps({
            "pending": depth.events, "oldest_pending_seconds": age(depth.oldest), "lost": depth.lost,
            "events": [{"key": event.key, "call": event.call, "spooled_seconds_ago": age(row.at),
                        "what": event.describe()} for row, event in events]}, indent=2))
        return
    for row, event in events:
        click.echo(f"{event.key}  {event.call[:12]}…  {age(row.at):>9.1f} s ago  {event.describe()}")
    shown = f" ({len(events)} listed)" if len(events) < depth.events else ""
    oldest = "" if depth.oldest is None else f", the oldest {age(depth.oldest):.1f} s ago"
    click.echo(f"{depth.events} event{'s' if depth.events != 1 else ''} not shipped yet{shown}{oldest}; "
               f"{depth.lost} lost (spool full) since the spool was made: {recorder.spool.path}")


@calls.command("purge")
def purge_command() -> None:
    """Delete browser call summaries, call-log records and rehearsal reports older than phone.keep_days."""
    keep_days = runtime().settings.phone.keep_days
    store.call_recorder().flush()
    for what, removed in (("practice call", store.purge_expired(keep_days)),
                          ("call-log record", store.purge_call_log(keep_days)),
                          ("rehearsal report", store.purge_expired_reports(keep_days))):
        click.echo(f"Removed {removed} expired {what}{'s' if removed != 1 else ''}.")
