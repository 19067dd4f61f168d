"""flask practice: a practice call in the terminal."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from ..audio.players import find_player
from ..phone.summary import parse_report, summarize
from ..runtime import runtime
from ..voice.desk import rehearsal_of_call, scenario_start_url
from ..voice.security import TOKEN_HEADER, issue_practice_token
from ..rehearse.try_again import FIRST_MISS, LABELS, PUSHBACK, STARTS, retry_command, try_again
from .terminal import CallRecord, TerminalCall, scripted_answers


@click.command("practice")
@with_appcontext  # a plain command gets no app context from app.cli (test runners call app.cli directly)
@click.option("--keys", default=None, help='Answers to give in turn, e.g. "1 1234 0"; "-" is silence.')
@click.option("--start", "start_node", default=None, help="Start at this node instead of the welcome.")
@click.option("--scenario", "scenario_id", default=None,
              help="Rehearse a scenario: its situation is read, then the representative answers.")
@click.option("--persona", "persona_id", default=None,
              help="With --scenario: the representative to rehearse against (see `coach scenarios`).")
@click.option("--retry", "retry_id", default=None,
              help="Try a saved rehearsal again from its pushback (the report id a rehearsal printed).")
@click.option("--from", "start", type=click.Choice(list(STARTS)), default=None,
              help=f"With --retry: where the new attempt starts ({FIRST_MISS}: where it first went wrong, when "
                   f"that was before the pushback; {PUSHBACK} when not given).")
@click.option("--sound", is_flag=True, help="Also play the prompt audio, if a player (mpg123, ffplay, play) exists.")
@click.option("--json", "as_json", is_flag=True,
              help="Print only one JSON object at the end: transcript, path, references and (rehearsals) report.")
def practice_command(keys: str | None, start_node: str | None, scenario_id: str | None, persona_id: str | None,
                     retry_id: str | None, start: str | None, sound: bool, as_json: bool) -> None:
    """Place a practice call in the terminal (interactive unless --keys is given)."""
    rt = runtime()
    if scenario_id is not None and scenario_id not in rt.scenarios:
        raise click.BadParameter(f"unknown scenario '{scenario_id}' (known: {', '.join(rt.scenarios.scenarios)})",
                                 param_hint="--scenario")
    personas = rt.scenarios.personas.personas
    if persona_id is not None and scenario_id is None:
        raise click.UsageError("--persona picks the representative of a rehearsal: give --scenario too")
    if persona_id is not None and persona_id not in personas:
        raise click.BadParameter(f"unknown persona '{persona_id}' (known: {', '.join(personas)})",
                                 param_hint="--persona")
    if start is not None and retry_id is None:
        raise click.UsageError("--from picks where a try-again starts: give --retry too")
    again = try_again(rt, retry_id, start or PUSHBACK) if retry_id is not None else None
    if retry_id is not None and again is None:
        where, why = (("where it first went wrong", "missed nothing before the pushback") if start == FIRST_MISS
                      else ("its pushback", "had nothing to practice again"))
        raise click.BadParameter(f"no saved rehearsal '{retry_id}' to try again from {where} (it may have "
                                 f"expired, or {why})", param_hint="--retry")
    if start_node is not None and start_node not in rt.line.nodes:
        raise click.BadParameter(f"no menu node '{start_node}' (`flask --app app flows map` shows them all)",
                                 param_hint="--start")
    if keys is not None:
        try:
            answers = scripted_answers(keys)
        except ValueError as exc:  # shlex: "No closing quotation"
            raise click.BadParameter(f"{exc}: quote each spoken answer whole, e.g. --keys '1 \"i'\\''m lost\" -'",
                                     param_hint="--keys") from exc

        def answer() -> str | None:
            return next(answers)
    else:
        def answer() -> str | None:
            # With --json, stdout carries only the JSON: ask on stderr.
            return click.prompt("key or phrase (Enter for silence)", default="", show_default=False, err=as_json)

    show = (lambda _line: None) if as_json else click.echo
    show("Practice Line: a simulator. Nobody real answers, and no real card number is needed.")
    # With TWILIO_AUTH_TOKEN set the voice routes want a signature; the terminal is a
    # practice caller like the browser phone, so it carries the same kind of token.
    token = issue_practice_token(current_app.config["SECRET_KEY"])
    client = current_app.test_client()
    client.environ_base["HTTP_" + TOKEN_HEADER.upper().replace("-", "_")] = token
    call = TerminalCall(client, answer, show, caption=_captioner(sound))
    if again is not None:
        url = again.start_url
    elif scenario_id is not None:
        url = scenario_start_url(scenario_id, persona_id)
    else:
        url = f"/voice/node/{start_node}" if start_node else "/voice/incoming"
    record = call.run(url)
    if not record.hung_up:
        show("(you hung up)")
    out = _call_json(call.call_sid, record)
    if as_json:
        click.echo(json.dumps(out))
    else:
        for key, start_at in (("retry", PUSHBACK), ("retry_early", FIRST_MISS)):
            if key in out:
                show(f"{LABELS[start_at]}: {out[key]}")


def _call_json(call_sid: str, record: CallRecord) -> dict:
    """The call as --json prints it, built the way the browser phone's summary and report are."""
    rt = runtime()
    posted = parse_report({"call_sid": call_sid, "duration_seconds": 0,
                           "ended_by": "line" if record.hung_up else "caller", "requests": record.requests,
                           "transcript": [{**entry, "at": 0} for entry in record.transcript]})
    summary = summarize(rt.line, posted)
    out = {"transcript": [{"who": e["who"], "text": e["text"]} for e in summary["transcript"]],
           "path": summary["path"], "references": summary["references"]}
    # Like the browser phone, a terminal rehearsal's report is kept (and purged) with the others.
    rehearsal = rehearsal_of_call(rt, summary, call_sid, posted.requests)
    if rehearsal is not None:
        report, report_id = rehearsal
        out["report"] = {"score": report["score"], "out_of": report["out_of"], "items": report["items"],
                         "persona": report["persona"], "resume": bool(report.get("resume"))}
        out["report_id"] = report_id
        if report.get("resume"):
            out["retry"] = retry_command(report_id)
        if report.get("resume") and report.get("resume_early"):
            out["retry_early"] = retry_command(report_id, FIRST_MISS)
    return out


def _captioner(sound: bool):
    """<Play> in the terminal: show the prompt's words (and play the file when asked and possible)."""
    library = runtime().audio
    player = find_player() if sound else None
    if sound and player is None:
        click.echo("(no audio player found: install mpg123 to hear the prompts; showing words only)")

    def caption(url: str) -> str:
        nonlocal player
        audio = library.file(url.rsplit("/", 1)[-1]) if library is not None else None
        if audio is None:
            return f"(audio {url})"
        if player is not None:
            found = library.by_text.get(audio.text)
            phone = found.phone.path if found is not None and found.phone is not None else None
            if not player(found.web.path if found is not None else audio.path, phone):
                click.echo("(could not play sound here; showing words only)")
                player = None
        return audio.text

    return caption
