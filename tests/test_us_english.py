"""A US line: everything a caller hears or reads uses US spelling (practice, recognize, traveling)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# British spellings and the US ones to use instead.
BRITISH = re.compile(
    r"\b(practis(?:e|es|ed|ing)|recognis\w*|specialis\w*|travell(?:ing|ed|er|ers)|modell(?:ed|ing)|normalis\w*|"
    r"cancell(?:ed|ing)|colour\w*|behaviour\w*|organis\w*|apologis\w*|summaris\w*|labell(?:ed|ing)|honour\w*|"
    r"favour\w*|centre|centres|cheque\w*|programme|enrolment|catalogue|judgement|licence)\b", re.IGNORECASE)
# British turns of phrase: "have your details to hand", "call us on 1-800-..." (US: ready, call us at).
BRITISH_PHRASES = re.compile(r"\b(?:\w+ to hand\b|call\b[^.\n]{0,60}? on (?:1-\d|\{\{ ?\w+\.line\.number))",
                             re.IGNORECASE)
# What a caller hears (prompts), reads (templates, the phone's JavaScript, the README) or is told from config.
SCANNED = ["prompts/**/*.txt", "config/*.yaml", "ivr/**/templates/**/*.html", "ivr/**/templates/**/*.txt",
           "ivr/**/static/*.js", "README.md", "docs/*.md"]


# Patterns for what callers may type, in either spelling: matched against their words, never shown.
NOT_SHOWN = {"config/moves.yaml"}


def scanned_files() -> list[Path]:
    found = sorted({p for pattern in SCANNED for p in ROOT.glob(pattern)} - {ROOT / n for n in NOT_SHOWN})
    assert len(found) > 100, found  # a scan of nothing would pass for nothing
    return found


def test_the_scan_finds_british_spellings():
    assert BRITISH.findall("Practise recognising the travelling colour of a cancelled cheque") == [
        "Practise", "recognising", "travelling", "colour", "cancelled", "cheque"]
    assert BRITISH.findall("practice recognizing the traveling color of a canceled check") == []
    assert BRITISH_PHRASES.findall("Call again with your details to hand. Call Service on 1-800-528-4800.") == [
        "details to hand", "Call Service on 1-8"]
    assert BRITISH_PHRASES.findall("Call again with your details ready. Call Service at 1-800-528-4800.") == []


@pytest.mark.parametrize("path", scanned_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_us_spelling(path):
    text = path.read_text(encoding="utf-8")
    found = [f"line {text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
             for pattern in (BRITISH, BRITISH_PHRASES) for m in pattern.finditer(text)]
    assert found == [], f"{path.relative_to(ROOT)}: British spelling: {', '.join(found)}"
