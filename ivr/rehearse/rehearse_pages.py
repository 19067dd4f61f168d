"""Blueprint /rehearse: the scenarios to rehearse, a saved report, and a person's progress as an SVG chart."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, jsonify, render_template, request

from .. import store
from ..runtime import runtime
from .chart import describe, score_chart
from .try_again import FIRST_MISS, LABELS, PUSHBACK, retry_url
from .report_pages import (
    MAX_IDS,
    REPORT_ID,
    TooManyIds,
    attempt,
    item_progress,
    item_views,
    parse_caller_lines,
    parse_ids,
)

bp = Blueprint("rehearse", __name__, url_prefix="/rehearse", template_folder="templates", static_folder="static")


@bp.get("")
def index():
    """Every scenario with its situation card and a Start link to the browser phone."""
    rt = runtime()
    reasons = rt.reasons.file.reasons
    cards = [(card, reasons[card.reason].title if card.reason in reasons else card.reason)
             for card in rt.scenarios.cards()]
    personas = rt.scenarios.personas
    return render_template("rehearse/index.html", cards=cards, personas=personas.personas,
                           default_persona=personas.default_persona)


@bp.get("/progress")
def progress():
    """Score per attempt for the report ids the browser kept (?ids=a,b,c); 400 when there are too many."""
    keep_days = runtime().settings.phone.keep_days
    try:
        ids = parse_ids(request.args.get("ids", ""))
    except TooManyIds as error:
        return render_template("rehearse/progress.html", problem=str(error), chart=None, missing=[],
                               keep_days=keep_days, max_ids=MAX_IDS), 400
    titles = _titles()
    attempts, missing, reports = [], [], {}
    for report_id in ids:
        found = store.load_report(report_id, keep_days) if REPORT_ID.match(report_id) else None
        if found is None:
            missing.append(report_id)
        else:
            attempts.append(attempt(report_id, *found, titles))
            reports[report_id] = found[0]
    chart = score_chart(attempts)
    in_order = [reports[point.attempt.report_id] for point in chart.points]  # the chart's order: oldest first
    return render_template("rehearse/progress.html", problem=None, chart=chart, description=describe(chart),
                           asked=bool(ids), missing=missing, keep_days=keep_days, max_ids=MAX_IDS,
                           items=item_progress(in_order))


@bp.get("/reports/<report_id>")
def report(report_id: str):
    """One saved coach's report."""
    keep_days = runtime().settings.phone.keep_days
    found = store.load_report(report_id, keep_days) if REPORT_ID.match(report_id) else None
    if found is None:
        return render_template("rehearse/missing.html", keep_days=keep_days), 404
    saved, created = found
    return render_template("rehearse/report.html", report=saved, items=item_views(saved), report_id=report_id,
                           try_again_label=LABELS[PUSHBACK], try_again_url=retry_url(report_id),
                           try_again_early_label=LABELS[FIRST_MISS], try_again_early_url=retry_url(report_id, FIRST_MISS),
                           default_persona=runtime().scenarios.personas.default_persona,
                           title=_titles().get(saved.get("scenario"), saved.get("scenario")),
                           scenario=saved.get("scenario"), keep_days=keep_days,
                           created=datetime.fromtimestamp(created, timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


@bp.post("/moves")
def moves():
    """The moves the coach hears in each of the caller's lines ({"lines": [...]}), to mark the transcript."""
    try:
        lines = parse_caller_lines(request.get_json(silent=True))
    except ValueError as error:
        return jsonify(error=str(error)), 400
    recognizer = runtime().recognizer
    return jsonify(moves=[recognizer.recognize(line) for line in lines])


def _titles() -> dict[str, str]:
    return {card.id: card.title for card in runtime().scenarios.cards()}
