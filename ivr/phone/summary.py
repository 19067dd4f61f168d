"""A browser practice call's summary: the path taken, reference numbers, and a masked transcript."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..line.practice_line import PracticeLine
from ..line.navigator import Turn, answer, position_from_query, reference_number, spoken_nodes
from ..line.flows import REFERENCE
from ..line.masking import MASK, mask_digits  # noqa: F401  (MASK: re-exported for callers of this module)

_NODE_URL = re.compile(r"^/voice/node/([^/]+)(/input)?$")


class RequestStep(BaseModel):
    """One webhook the browser phone fetched, with what the caller gave it."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000)  # a desk webhook carries its signed state (under 1 kB)
    digits: str | None = Field(default=None, pattern=r"^[0-9*#]{0,64}$")
    speech: str | None = Field(default=None, max_length=2000)


class TranscriptLine(BaseModel):
    """One line of the running transcript: the line speaking, the caller, or a note from the phone."""

    model_config = ConfigDict(extra="forbid")
    who: Literal["line", "caller", "note"]
    text: str = Field(max_length=4096)
    at: float = Field(ge=0, le=86400)  # seconds since the call began


class CallReport(BaseModel):
    """What the page posts at hang-up."""

    model_config = ConfigDict(extra="forbid")
    call_sid: Annotated[str, Field(pattern=r"^CA[0-9a-f]{32}$")]
    duration_seconds: int = Field(ge=0, le=86400)
    ended_by: Literal["caller", "line", "error"]
    requests: list[RequestStep] = Field(min_length=1, max_length=500)
    transcript: list[TranscriptLine] = Field(max_length=3000)


def parse_report(data: object) -> CallReport:
    """Validate a posted report; ValueError with a message saying what to fix."""
    try:
        return CallReport.model_validate(data)
    except ValidationError as error:
        problems = [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors()[:5]]
        raise ValueError("The call summary was not accepted. " + "; ".join(problems)) from error


def call_path(line: PracticeLine, steps: list[RequestStep]) -> list[str]:
    """Replay the webhooks through the engine: every node the caller heard, in order."""
    path: list[str] = []
    for step in steps:
        turn = _turn(line, step)
        if turn is None:
            continue
        for node_id in spoken_nodes(line, turn.node):
            if not path or path[-1] != node_id:  # a re-prompt is not a new step
                path.append(node_id)
    return path


def summarize(line: PracticeLine, report: CallReport) -> dict:
    """The summary that is stored and shown: no typed digits, reference numbers kept readable."""
    path = call_path(line, report.requests)
    known = line.spoken()
    references = [{"label": line.nodes[n].label, "number": reference_number(report.call_sid, n)}
                  for n in dict.fromkeys(path) if REFERENCE in line.flow.nodes[n].prompts]
    transcript = []
    for entry in report.transcript:
        # The line's own prompts are kept word for word; anything else is masked.
        text = entry.text if entry.who == "line" and entry.text in known else mask_digits(entry.text, entry.who == "caller")
        transcript.append({"who": entry.who, "text": text, "at": round(entry.at, 1)})
    return {
        # Unlabeled nodes are steps inside a branch (an answer, a hold message): not worth a line.
        "path": [{"node": n, "label": line.nodes[n].label} for n in path if line.flow.nodes[n].label],
        "references": references,
        "transcript": transcript,
        "duration_seconds": report.duration_seconds,
        "ended_by": report.ended_by,
    }


def summary_text(summary: dict, created: str, keep_days: int, issuer: str) -> str:
    """The summary as a plain-text file to download."""
    lines = ["Practice Line: practice call summary", f"(A practice simulator: not {issuer} or any card issuer.)",
             "", f"Date: {created}", f"Duration: {duration_words(summary['duration_seconds'])}",
             "Path: " + " > ".join(step["label"] for step in summary["path"])]
    for ref in summary["references"]:
        lines.append(f"Reference number: {ref['number']} ({ref['label']})")
    lines += ["", "Transcript:"]
    who = {"line": "Line", "caller": "You", "note": "Note"}
    for entry in summary["transcript"]:
        lines.append(f"[{clock(entry['at'])}] {who[entry['who']]}: {entry['text']}")
    lines += ["", f"This summary is deleted {keep_days} days after the call."]
    return "\n".join(lines) + "\n"


def clock(seconds: float) -> str:
    """0:05, 1:12, 61:00."""
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def duration_words(seconds: int) -> str:
    """'1 min 12 s', '45 s'."""
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


def _turn(line: PracticeLine, step: RequestStep) -> Turn | None:
    parts = urlsplit(step.url)
    if parts.path == "/voice/incoming":
        return Turn(line.flow.start)
    match = _NODE_URL.match(parts.path)
    if not match:
        return None
    node_id = unquote(match.group(1))
    if not match.group(2):
        return Turn(node_id) if node_id in line.nodes else Turn(line.flow.defaults.home)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    return answer(line, node_id, step.digits, step.speech, *position_from_query(query))


