"""Blueprint /phone: the browser practice phone, its practice-call tokens, and stored call summaries."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from .. import store
from ..map import map_url
from ..coach.keypad import desk_keys
from ..rehearse.report_pages import ITEM_TITLES, MAX_IDS, MOVE_NAMES
from ..rehearse.try_again import FIRST_MISS, LABELS, PUSHBACK, STARTS, retry_url, try_again
from ..runtime import runtime
from ..voice.desk import rehearsal_of_call, scenario_start_url
from ..voice.security import TOKEN_HEADER, issue_practice_token
from ..voice.twiml import node_url
from .summary import clock, duration_words, parse_report, summarize, summary_text

bp = Blueprint("phone", __name__, url_prefix="/phone", template_folder="templates", static_folder="static")
MAX_REPORT_BYTES = 1_000_000  # an hour-long call's report is well under this


@bp.get("")
def phone():
    """The phone page; ?start=<node id> starts the call at that point of the menu, ?scenario=<id> a rehearsal."""
    rt = runtime()
    line = rt.line
    start = request.args.get("start", "").strip()[:100]
    known = start in line.nodes
    wanted = request.args.get("scenario", "").strip()[:100]
    retry = request.args.get("retry", "").strip()[:100]
    start_from = request.args.get("from", "").strip()[:40] or PUSHBACK
    problem = None if start_from in STARTS else (  # the address is wrong: say how to fix it (400)
        f"There is no try-again start called “{start_from}”. Use from={FIRST_MISS} to try again from where it "
        f"first went wrong, or leave out from= to try again from the pushback.")
    again = try_again(rt, retry, start_from) if retry and problem is None else None
    if again is not None:  # "Try again from ...": the report's scenario and persona
        wanted = again.scenario
    card = rt.scenarios.card(wanted) if wanted in rt.scenarios and problem is None else None
    asked_persona = request.args.get("persona", "").strip()[:40]
    persona = again.persona if again else asked_persona if asked_persona in rt.scenarios.personas.personas else ""
    start_url = again.start_url if again else scenario_start_url(card.id, persona or None) if card else None
    config = {
        "startUrl": start_url or (node_url(start) if known else url_for("voice.incoming")),
        "dialUrl": node_url(line.flow.defaults.representative),
        "tokenUrl": url_for("phone.token"),
        "tokenHeader": TOKEN_HEADER,
        "callsUrl": url_for("phone.save"),
        "captionsUrl": url_for("audio.captions"),
        "browserSpeech": rt.settings.phone.browser_speech,
        "captionSecondsPerWord": rt.settings.phone.caption_seconds_per_word,
        # A rehearsal's report: how to show it, where its page is, and how many ids the browser keeps.
        "scenario": card.id if card else None,
        "persona": rt.scenarios.persona_id(persona) if card else None,
        "retryUrl": retry_url("REPORT_ID"),
        "retryLabel": LABELS[PUSHBACK],
        "retryEarlyUrl": retry_url("REPORT_ID", FIRST_MISS),
        "retryEarlyLabel": LABELS[FIRST_MISS],
        "reportUrl": url_for("rehearse.report", report_id="REPORT_ID"),
        "progressUrl": url_for("rehearse.progress"),
        "movesUrl": url_for("rehearse.moves"),
        "keepReports": MAX_IDS,
        "itemTitles": ITEM_TITLES,
        "moveNames": MOVE_NAMES,
    }
    page = render_template("phone/phone.html", config=config, scenario=card,
                           persona=rt.scenarios.persona(persona) if card else None,
                           retrying=again is not None, retrying_early=again is not None and again.start == FIRST_MISS,
                           problem=problem,
                           pushback_url=retry_url(retry) if problem and retry else None,
                           try_again_label=LABELS[PUSHBACK],
                           unknown_persona=asked_persona if card and asked_persona and not persona else None,
                           desk_keys=desk_keys(rt.scenarios) if card else [],
                           unknown_scenario=wanted if wanted and not card else None,
                           unknown_retry=retry if retry and again is None and problem is None else None,
                           retry_early=start_from == FIRST_MISS,
                           start_label=line.nodes[start].label if known and not card else None,
                           unknown_start=start if start and not known and not card else None,
                           keep_days=rt.settings.phone.keep_days)
    return (page, 400) if problem else page


@bp.post("/token")
def token():
    """A short-lived practice-call token, signed with the app's secret, for the voice routes."""
    return jsonify(token=issue_practice_token(current_app.config["SECRET_KEY"]),
                   header=TOKEN_HEADER, expires_in=current_app.config.get("PRACTICE_TOKEN_MAX_AGE", 3600))


@bp.post("/calls")
def save():
    """Store a call summary posted at hang-up; 201 with its address, or 400 saying what to fix.

    For a call that rehearsed at the representative's desk the reply also carries "report" (the coach's
    report: scenario, score, out_of, items, summary) and "report_id" (for /rehearse/progress). The page
    sends nothing extra: the report is scored here from the signed state in its last desk webhook.
    """
    if (request.content_length or 0) > MAX_REPORT_BYTES:
        return jsonify(error=f"The call summary is too large: at most {MAX_REPORT_BYTES} bytes."), 400
    request.max_content_length = MAX_REPORT_BYTES  # also bounds a body sent without a length
    data = request.get_json(silent=True)
    if data is None:
        return jsonify(error="Send the call summary as JSON (Content-Type: application/json)."), 400
    try:
        posted = parse_report(data)
    except ValueError as error:
        return jsonify(error=str(error)), 400
    rt = runtime()
    summary = summarize(rt.line, posted)
    rehearsal = rehearsal_of_call(rt, summary, posted.call_sid, posted.requests)
    call_id, _created = store.save_call(summary, rt.settings.phone.keep_days)
    extra = {"report": rehearsal[0], "report_id": rehearsal[1]} if rehearsal else {}
    return jsonify(id=call_id, url=url_for("phone.call", call_id=call_id),
                   text_url=url_for("phone.call_text", call_id=call_id),
                   map_url=_summary_map_url(summary), summary=summary, **extra), 201


def _summary_map_url(summary: dict) -> str:
    # The menu map with this call's own path marked (the live and the stored summary both link it).
    return map_url([step["node"] for step in summary["path"]])


@bp.get("/calls/<call_id>")
def call(call_id: str):
    """A stored call summary, printable."""
    found = _load(call_id)
    if found is None:
        return _missing()
    summary, created = found
    return render_template("phone/call.html", summary=summary, created=created, call_id=call_id,
                           keep_days=runtime().settings.phone.keep_days, clock=clock,
                           map_url=_summary_map_url(summary),
                           duration=duration_words(summary["duration_seconds"]))


@bp.get("/calls/<call_id>/transcript.txt")
def call_text(call_id: str):
    """A stored call summary as a text file to download."""
    found = _load(call_id)
    if found is None:
        return _missing()
    summary, created = found
    rt = runtime()
    body = summary_text(summary, created, rt.settings.phone.keep_days, rt.line.contacts.issuer)
    return Response(body, mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="practice-call-{created[:10]}.txt"'})


def _load(call_id: str) -> tuple[dict, str] | None:
    if len(call_id) > 64:
        return None
    found = store.load_call(call_id, runtime().settings.phone.keep_days)
    if found is None:
        return None
    summary, created = found
    return summary, datetime.fromtimestamp(created, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _missing():
    return render_template("phone/missing.html", keep_days=runtime().settings.phone.keep_days), 404
