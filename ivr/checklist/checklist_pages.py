"""Blueprint for the web pages: the index, and the pre-call checklist as HTML, PDF and .ics reminder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, url_for

from ..runtime import runtime
from .builder import BadRequest, Checklist, build_checklist, parse_date, parse_situation

bp = Blueprint("checklist", __name__, template_folder="templates", static_folder="static",
               static_url_path="/checklist/static")
PAPER_SIZES = {"letter": "letter", "a4": "A4"}


def static_roots() -> dict[str, Path]:
    """The static URL prefixes a checklist page loads from, each with its folder (for the PDF)."""
    return {current_app.static_url_path: Path(current_app.static_folder),
            bp.static_url_path: Path(bp.static_folder)}


@bp.get("/")
def index():
    """What the product does, with links to both halves."""
    return render_template("checklist/index.html")


@bp.get("/checklist")
def page():
    """The form with no parameters; the checklist for a situation; 400 with the form if they're wrong."""
    if not request.args:
        return _form()
    try:
        checklist = _checklist()
    except BadRequest as bad:
        return _form(bad.problems), 400
    return render_template("checklist/checklist.html", **_context(checklist))


@bp.get("/checklist.pdf")
def pdf():
    """The same checklist, printed to PDF by WeasyPrint (Letter, or A4 with paper=a4)."""
    try:
        checklist = _checklist()
        paper = _paper()
    except BadRequest as bad:
        return _form(bad.problems), 400
    html = render_template("checklist/checklist.html", **_context(checklist), paper=paper)
    from .pdf import render_pdf  # WeasyPrint takes half a second to import: only when a PDF is asked for

    data = render_pdf(html, static_roots())
    name = f"checklist-{'-'.join(checklist.situation.reasons)}.pdf"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/checklist/reminder.ics")
def reminder():
    """A calendar reminder to follow up on the chosen date."""
    try:
        checklist = _checklist()
        day = parse_date(request.args.to_dict(flat=False), dt.date.today())
    except BadRequest as bad:
        return _form(bad.problems), 400
    # A calendar on a phone can only open a public address: PUBLIC_BASE_URL, else no link at all.
    public = current_app.config.get("PUBLIC_BASE_URL")
    link = f"{public.rstrip('/')}{url_for('checklist.page')}?{checklist.situation.query()}" if public else None
    context = {**_context(checklist), "reminder_url": link}
    summary = render_template("checklist/reminder-summary.txt", **context).strip()
    description = render_template("checklist/reminder.txt", **context).strip()
    from .reminder import reminder_ics  # icalendar is slow to import and only this route needs it

    data = reminder_ics(summary, description, day, link, checklist.situation.query(),
                        dt.datetime.now(dt.timezone.utc))
    return Response(data, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="follow-up-{day.isoformat()}.ics"'})


def _checklist() -> Checklist:
    rt = runtime()
    situation = parse_situation(request.args.to_dict(flat=False), rt.reasons)
    return build_checklist(rt.reasons, rt.line.contacts, situation)


def _paper() -> str:
    value = request.args.get("paper", "letter").strip().lower()
    if value not in PAPER_SIZES:
        raise BadRequest([f"Paper size must be 'letter' or 'a4'; '{value[:20]}' is neither."])
    return PAPER_SIZES[value]


def _context(checklist: Checklist) -> dict:
    """What the checklist template needs besides the checklist itself."""
    situation = checklist.situation
    today = dt.date.today()
    return {
        "c": checklist,
        "share_url": url_for("checklist.page", _external=True) + "?" + situation.query(),
        "pdf_url": url_for("checklist.pdf") + "?" + situation.query(),
        "a4_url": url_for("checklist.pdf") + "?" + situation.query() + "&paper=a4",
        "store_key": situation.query(),
        "reminder_default": (today + dt.timedelta(days=7)).isoformat(),
        "today": today.isoformat(),
        "rehearsals": _rehearsals(situation.reasons),
    }


def _rehearsals(reason_ids) -> dict:
    """Each chosen reason's escalation scenario (where it has one), to rehearse in the browser phone."""
    scenarios = runtime().scenarios
    return {rid: scenarios.card(sid) for rid in reason_ids if (sid := scenarios.for_reason(rid))}


def _form(problems: list[str] | None = None) -> str:
    """The question form, keeping what was valid in the request and listing what to fix."""
    book = runtime().reasons.file
    args = request.args
    chosen = [r for r in args.getlist("reason") if r in book.reasons]
    selected = {
        "reasons": set(chosen),
        "region": _valid(args.get("region"), book.regions, "us"),
        "card": _valid(args.get("card"), book.cards, next(iter(book.cards))),
        # Blank lets the reasons decide (a lost card is for calling now), as the checklist itself does.
        "urgency": _valid(args.get("urgency"), book.urgency, ""),
    }
    # Send the corrected form back where it came from: the page, the PDF or the reminder.
    action = request.path if request.path in (url_for("checklist.pdf"), url_for("checklist.reminder")) \
        else url_for("checklist.page")
    return render_template("checklist/form.html", book=book, selected=selected, problems=problems or [],
                           action=action, wants_date=action == url_for("checklist.reminder"),
                           date=(args.get("date") or "")[:10], paper=_valid(args.get("paper"), PAPER_SIZES, ""))


def _valid(value: str | None, allowed, default: str) -> str:
    value = (value or "").strip().lower()
    return value if value in allowed else default

