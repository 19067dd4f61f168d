"""The details of a charge as a caller says them: the amount, the date and the merchant (pure: no Flask).

Numbers said in words become digits with text2num ("one forty nine ninety nine" -> "1 49 99"), amounts are
read with price-parser, dates with parsedatetime, relative to the day the caller reached the desk. What is kept
is plain text (an amount as "149.99", a date as "2026-11-24", a merchant's name); nothing that could be an
account number is ever kept: a run of more than MAX_AMOUNT_DIGITS digits is never an amount.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

AMOUNT, DATE, MERCHANT = "amount", "date", "merchant"
PIECES = (AMOUNT, DATE, MERCHANT)
MAX_AMOUNT_DIGITS = 6  # no charge on a practice card is a million dollars; longer runs are account numbers
MONEY_WORDS = frozenset({"dollars", "dollar", "bucks", "usd"})
CENT_WORDS = frozenset({"cents", "cent"})
ABOUT_WORDS = frozenset({"something", "ish", "odd", "about", "around", "like", "roughly"})
# Words after which "about" means "concerning" ("calling about 56 dollars"), not "roughly".
TALK_WORDS = frozenset({"call", "called", "calling", "phoned", "phoning", "rang", "ringing", "ask", "asked", "asking",
                        "talk", "talking", "speak", "speaking", "question", "complain", "complained", "complaining",
                        "worried", "here", "writing", "wrote", "contacted", "contacting", "inquiring", "enquiring"})
# Units that make a number with cents ("24.99 percent") something other than money.
NOT_MONEY = frozenset({"percent", "%", "apr", "hours", "hour", "minutes", "miles", "days", "points", "pounds"})
# Where a bare "84 20" stands as an amount: after these words (or first in the line) ...
BEFORE_AN_AMOUNT = frozenset({"was", "it's", "its", "that's", "for", "of", "cost", "costs", "charged", "paid",
                              "spent", "just", "only", "maybe", "exactly", "um", "uh", "me", "total"})
# ... and before these (or last in the line); "84 20 minutes" or "ends in 44 17" is no amount.
AFTER_AN_AMOUNT = frozenset({"at", "from", "on", "for", "and", "to", "yesterday", "today", "last", "it", "i",
                             "but", "which", "that", "was", "is", "charged", "posted", "please"})
# A line with any of these talks of a time or of digits, so a bare "10 30" in it is no amount.
NOT_AN_AMOUNT_LINE = frozenset({"am", "pm", "a.m", "p.m", "o'clock", "morning", "afternoon", "evening", "night",
                                "tonight", "noon", "midnight", "digits", "ending", "ends", "number", "reference",
                                "account", "pin", "code", "zip", "times", "minutes", "hours"})
# What a caller says to take back what they just said: the later value wins ("84, sorry, 94 dollars").
# "rather than" is left out: in "94 rather than 84" the earlier value is the one meant.
CORRECTION = re.compile(r"\b(?:sorry|no,? wait|i mean|actually|rather(?!\s+than))\b", re.IGNORECASE)
# Words that come before a merchant's name ("from some website called quickmart"), strongest last.
MERCHANT_CUES = ("at", "from", "called", "named")
# Words that end a merchant's name: what follows is the date, the amount, or the rest of the sentence.
MERCHANT_ENDS = frozenset({
    "on", "for", "dated", "and", "but", "it", "its", "it's", "which", "that", "i", "last", "this", "yesterday",
    "today", "in", "of", "was", "is", "the", "a", "an", "some", "website", "store", "shop", "company", "place",
    "charge", "payment", "posted", "um", "uh", "like", "so", "back", "ago", "when", "where",
    *MONEY_WORDS, *CENT_WORDS,
    *(m.lower() for m in calendar.month_name if m), *(d.lower() for d in calendar.day_name)})
# Filler and generic words never kept as (the start of) a merchant's name.
NOT_A_NAME = frozenset({"some", "a", "an", "the", "this", "that", "website", "site", "store", "shop", "company",
                        "place", "merchant", "called", "named", "um", "uh", "like", "me", "my", "you", "your",
                        "there", "here", "home", "work", "all", "least", "first", "once", "last", "them", "it"})
YES = frozenset({"yes", "yeah", "yep", "yup", "correct", "right", "exactly", "sure", "ok", "okay", "uh-huh"})
NO = frozenset({"no", "nope", "wrong", "incorrect", "not"})


@dataclass(frozen=True)
class Amount:
    """An amount of money: its value, and whether the caller only gave it roughly ("sixty something")."""

    value: Decimal
    about: bool = False


def extract(text: str, today: date) -> dict[str, str]:
    """The details in one line: {"amount": "149.99" (or "~60"), "date": "2026-11-24", "merchant": "Quickmart"}."""
    found = {}
    for part in CORRECTION.split(text):  # each piece as last said: a correction replaces what came before it
        found.update(_details(part, today))
    return found


def _details(text: str, today: date) -> dict[str, str]:
    """The details in a stretch of a line with no correction in it."""
    from text_to_num import alpha2digit  # loaded on first use: start-up stays quick

    digits = alpha2digit(text, "en", threshold=0)  # "december first" too
    found = {}
    amount = find_amount(_words(digits))
    if amount is not None:
        found[AMOUNT] = f"~{amount.value}" if amount.about else str(amount.value)
    when = find_date(digits, today)
    if when is not None:
        found[DATE] = when.isoformat()
    merchant = find_merchant(text.split())
    if merchant:
        found[MERCHANT] = merchant
    return found


def warm() -> None:
    """Load the number, price and date libraries now (gunicorn's master calls this before forking, so
    the workers share them and no caller's first detail waits for them)."""
    extract("it was forty dollars at quickmart last tuesday", date(2026, 1, 1))


def _words(text: str) -> list[str]:
    return [word.strip(",.!?;:\"'()").lower() for word in text.split() if word.strip(",.!?;:\"'()")]


def _number(word: str) -> Decimal | None:
    """A number written in digits ("212", "$84.20", "1,250"), read by price-parser; None for anything else."""
    from price_parser import Price

    if not any(ch.isdigit() for ch in word) or not all(ch.isdigit() or ch in "$,." for ch in word):
        return None
    if sum(ch.isdigit() for ch in word) > MAX_AMOUNT_DIGITS:
        return None
    return Price.fromstring(word).amount


def find_amount(words: list[str]) -> Amount | None:
    """The amount in a line's words: a number before "dollars" (with "and N cents" or just "20"), "$N", a number
    with cents ("84.20"), or a price said in pairs as people do ("1 49 99" is 149.99, "84 20" is 84.20)."""
    numbers = [_number(word) for word in words]
    for i, word in enumerate(words):
        if numbers[i] is not None and (word.startswith("$") or _money_follows(words, i)):
            return _with_cents(words, numbers, i)
    for i, word in enumerate(words):
        if numbers[i] is not None and _has_cents(word) and _word(words, i + 1) not in NOT_MONEY:
            return Amount(numbers[i], _rough(words, i))
    return _said_in_pairs(words, numbers)


def _has_cents(word: str) -> bool:
    """True for a number written with two decimals ("84.20"): a price, as no count or date is written so."""
    whole, dot, cents = word.lstrip("$").rpartition(".")
    return bool(dot and whole and len(cents) == 2 and cents.isdigit())


def _money_follows(words: list[str], i: int) -> bool:
    """True when "dollars" comes right after the number, perhaps after "something" ("60 something dollars")."""
    rest = words[i + 1:i + 3]
    return bool(rest) and (rest[0] in MONEY_WORDS or (rest[0] in ABOUT_WORDS and rest[1:2] and rest[1] in MONEY_WORDS))


def _with_cents(words: list[str], numbers: list[Decimal | None], i: int) -> Amount:
    """The amount whose dollars are the number at `i`, with the cents said after it ("and 20 cents", "20")."""
    value = numbers[i] + _cents_after(words, numbers, i)
    return Amount(value.quantize(Decimal("0.01")) if value % 1 else value, _rough(words, i))


def _cents_after(words: list[str], numbers: list[Decimal | None], i: int) -> Decimal:
    """The cents after the dollars at `i`: "N cents" within a few words, or two digits right after "dollars"
    ("84 dollars 20", "84 dollars and 20") unless they count something ("84 dollars 20 days ago")."""
    for j in range(i + 1, min(i + 6, len(words) - 1)):
        if numbers[j] is not None and words[j + 1] in CENT_WORDS and numbers[j] < 100:
            return numbers[j] / 100
    j = next((j for j in range(i + 1, min(i + 3, len(words))) if words[j] in MONEY_WORDS), None)
    if j is not None and _word(words, j + 1) == "and":
        j += 1
    if j is None or not (_word(words, j + 1).isdigit() and len(words[j + 1]) == 2):
        return Decimal(0)
    return numbers[j + 1] / 100 if _word(words, j + 2) in AFTER_AN_AMOUNT | {""} else Decimal(0)


def _word(words: list[str], i: int) -> str:
    """The word at `i`, or "" past the end of the line."""
    return words[i] if 0 <= i < len(words) else ""


def _rough(words: list[str], i: int) -> bool:
    """True when the number at `i` is only rough: "60 something", "60ish", "around 60", "it was about 60"."""
    if i + 1 < len(words) and words[i + 1] in ABOUT_WORDS:
        return True
    if i == 0 or words[i - 1] not in ABOUT_WORDS - {"like"}:  # "like" before a number is filler, not rough
        return False
    return not (words[i - 1] == "about" and _talked_of(words, i - 1))


def _talked_of(words: list[str], i: int) -> bool:
    """True when the "about" at `i` means "concerning": it follows calling or asking, perhaps with when between
    ("I called on July 8th about 56 dollars")."""
    j = i - 1
    while j >= 0 and (words[j] in _WHEN_WORDS or any(ch.isdigit() for ch in words[j])):
        j -= 1
    return j >= 0 and words[j] in TALK_WORDS


def _said_in_pairs(words: list[str], numbers: list[Decimal | None]) -> Amount | None:
    """Three or more numbers in a row whose last two are two-digit groups: dollars then cents ("1 49 99");
    "149 99"; or "84 20" where it stands as an amount."""
    run: list[str] = []
    for end, (word, number) in enumerate([*zip(words, numbers), ("", None)]):
        if number is not None and word.isdigit():
            run.append(word)
            continue
        if len(run) >= 3 and all(len(group) == 2 for group in run[1:]) and len(run[0]) <= 2:
            return Amount(Decimal(f"{''.join(run[:-1])}.{run[-1]}"))
        if len(run) == 2 and len(run[0]) == 3 and len(run[1]) == 2:  # "149 99"
            return Amount(Decimal(f"{run[0]}.{run[1]}"))
        if len(run) == 2 and len(run[0]) == len(run[1]) == 2 and _stands_as_amount(words, end - 2, end):
            return Amount(Decimal(f"{run[0]}.{run[1]}"))
        run = []
    return None


def _stands_as_amount(words: list[str], start: int, end: int) -> bool:
    """True when the two numbers words[start:end] ("84 20") are said as a price: where an amount goes ("it was
    84 20 at quickmart"), in a line that talks of no time or digits ("10 30 at night", "ends in 44 17")."""
    # "2 50" is left alone: $2.50 or $250 ("one forty nine" is 149), or ten to three.
    if words[start] == "20" and int(words[start + 1]) < 40:  # "twenty twenty five" is a year
        return False
    return (_word(words, start - 1) in BEFORE_AN_AMOUNT | {""} and _word(words, end) in AFTER_AN_AMOUNT | {""}
            and not set(words) & NOT_AN_AMOUNT_LINE)


def find_date(text: str, today: date) -> date | None:
    """The date in a line, on or before `today` ("march 3rd", "yesterday", "tuesday of last week"), or None."""
    # Searched near the first word that names a day: over the whole line a parser joins "9 hours" to a date.
    words = _DAY_OF_MONTH.sub(r"\2 \1", text).split()  # "the 28th of november" -> "november 28th"
    anchors = [i for i, word in enumerate(words) if word.lower().strip(",.!?") in _ANCHORS]
    if not anchors:
        return None
    window = " ".join(words[max(0, anchors[0] - 2):anchors[0] + 5])
    found = _dates_in(window, today)
    if not found:
        return None
    weekday = next((when for said, when in found if said in _DAY_NAMES), None)
    week = next((when for said, when in found if "week" in said), None)
    if weekday is not None and week is not None:  # "tuesday of last week": that week's tuesday
        monday = week - timedelta(days=week.weekday())
        return monday + timedelta(days=weekday.weekday())
    when = found[0][1]
    return when if today - timedelta(days=2 * 366) <= when <= today else None


def _dates_in(window: str, today: date) -> list[tuple[str, date]]:
    """The dates parsedatetime finds in a few words, as (what was said, the day on or before `today`)."""
    import parsedatetime  # loaded on first use: start-up stays quick

    calendar_ = parsedatetime.Calendar(_date_words(), version=parsedatetime.VERSION_CONTEXT_STYLE)
    found = calendar_.nlp(window, sourceTime=datetime.combine(today, datetime.min.time())) or ()
    dates = [(said.lower().strip(), _in_the_past(when.date(), said.lower(), today))
             for when, context, _start, _end, said in found
             if _is_a_date(said) and _parsed_as_said(when, context, said)]
    return [(said, when) for said, when in dates if when is not None]


def _in_the_past(when: date, said: str, today: date) -> date | None:
    """A date the parser put after `today`, moved back to the one a caller means: a charge has already
    happened, so "monday" is this week's or last week's and "november 24th" last year's ("in 30 days" stays
    ahead, and is dropped)."""
    words, ahead = set(said.split()), (when - today).days
    if words & {"next", "in"}:
        return when
    # Said on a Thursday, "thursday" is last week's (as "this thursday" is today).
    if words & _DAY_NAMES and ahead >= 0 and not words & {"this", "today"}:
        return when - timedelta(days=7 * (ahead // 7 + 1))
    if ahead > 0 and (words & _MONTH_NAMES or "/" in said):
        if (when.month, when.day) == (2, 29) and not calendar.isleap(when.year - 1):
            return None  # no February 29th a year back: not a date, rather than the 28th
        return when.replace(year=when.year - 1)
    return when


def _parsed_as_said(when: datetime, context, said: str) -> bool:
    """False for a date the parser could not make of what was said: an impossible one ("november 31st"), which
    it gives as the time now and no accuracy, or one whose day is not the one said ("april 31st 20" as the 20th)."""
    if not context.accuracy:
        return False
    days = [word[:-2] for word in said.lower().split() if word[:-2].isdigit() and word[-2:] in ("st", "nd", "rd", "th")]
    return all(int(day) == when.day for day in days)


@functools.cache
def _date_words():
    """parsedatetime's US English words, made once (a Calendar per call keeps threads apart)."""
    import parsedatetime

    words = parsedatetime.Constants("en_US")
    # "february 29th" is read in the call's year, not the next one: a charge has happened, and the parser checks
    # the day exists in the year it picks (_in_the_past moves a date still ahead back a year).
    words.YearParseStyle = 0
    return words


_DAY_NAMES = frozenset(d.lower() for d in calendar.day_name)
_MONTH_NAMES = frozenset(m.lower() for m in calendar.month_name if m)
_DAY_OF_MONTH = re.compile(r"\b(\d{1,2}(?:st|nd|rd|th))\s+of\s+(" + "|".join(_MONTH_NAMES) + r")\b", re.IGNORECASE)


def _is_a_date(said: str) -> bool:
    """False for what the parser takes as a date but a caller rarely means: a bare number, or "may" alone."""
    words = said.lower().split()
    if not any(ch.isalpha() for ch in said):  # "$45.50" or "212": an amount, not a year
        return False
    if len(words) <= 2 and set(words) <= _MONTH_NAMES | {"on", "in", "of"}:
        return False
    # A day the caller names: a month, a weekday, or a day counted back ("now" or "in 30 days" is none).
    return bool(set(words) & (_MONTH_NAMES | _DAY_NAMES | _DAYS_BACK))


_DAYS_BACK = frozenset({"yesterday", "today", "ago", "week", "last"})
# Words that say when, skipped between "called" and "about" ("called on July 8th about ...").
_WHEN_WORDS = _MONTH_NAMES | _DAY_NAMES | _DAYS_BACK | {"on", "the", "of", "this", "back", "days", "weeks"}
_ANCHORS = _MONTH_NAMES | _DAY_NAMES | {"yesterday", "today", "ago", "week", "weeks", "days"}


def find_merchant(words: list[str]) -> str | None:
    """The name after the last "from" / "at" / "called" ("from some website called quickmart" -> "Quickmart")."""
    plain = [word.strip(",.!?;:\"()") for word in words]
    lower = [word.lower() for word in plain]
    best = None
    for cue in MERCHANT_CUES:  # the strongest cue that has a name after it wins
        for i, word in enumerate(lower):
            if word == cue:
                name = _name_after(plain, lower, i + 1)
                if name:
                    best = name
    return best


def _name_after(plain: list[str], lower: list[str], start: int) -> str | None:
    name = []
    for word, low in zip(plain[start:], lower[start:]):
        if low in MERCHANT_ENDS or any(ch.isdigit() for ch in low) or not low:
            break
        name.append(word)
    if not name or len(name) > 4 or name[0].lower() in NOT_A_NAME:
        return None
    return " ".join(word if any(ch.isupper() for ch in word) else word.capitalize() for word in name)


def is_yes(text: str) -> bool:
    """True for a short yes ("yeah that's right"), with no no in it."""
    words = set(_words(text.replace("'s", " is")))
    return bool(words & YES) and not words & NO and len(words) <= 8


def is_no(text: str) -> bool:
    """True for a no ("no, that's wrong")."""
    words = _words(text)
    return bool(words) and (words[0] in NO or bool(set(words) & {"wrong", "incorrect"}))


# --- Saying them: for the ear (the representative's words) and for the eye (pages) ---

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
         "seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred"))


def number_words(n: int) -> str:
    """3200 -> "three thousand two hundred", 149 -> "one hundred and forty-nine" (US English, below a trillion).

    A few lines rather than num2words, which loads its 60 language modules (3.5 MB in every worker) for this.
    """
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + (f"-{_ONES[n % 10]}" if n % 10 else "")
    for scale, name in _SCALES:
        if n >= scale:
            head, rest = divmod(n, scale)
            said = f"{number_words(head)} {name}"
            if rest:  # "one hundred and five", "two thousand one hundred"
                said += (" and " if rest < 100 else " ") + number_words(rest)
            return said
    raise AssertionError(n)  # unreachable: every n >= 100 has a scale


def amount_for_ear(value: str) -> str:
    """"149.99" -> "one hundred and forty-nine dollars and ninety-nine cents"; "~60" -> "about sixty dollars"."""
    about, number = value.startswith("~"), Decimal(value.lstrip("~"))
    dollars, cents = int(number), int((number % 1) * 100)
    said = f"{number_words(dollars)} dollars" + (f" and {number_words(cents)} cents" if cents else "")
    return f"about {said}" if about else said


def card_for_ear(last_four: str) -> str:
    """"4417" -> "ending in 4 4 1 7" (digit by digit, as a person reads a card)."""
    return "ending in " + " ".join(last_four)


def card_for_eye(last_four: str) -> str:
    """"4417" -> "ending in 4417"."""
    return f"ending in {last_four}"


def amount_for_eye(value: str) -> str:
    """"149.99" -> "$149.99"; "640" -> "$640"; "~60" -> "about $60"."""
    about, number = value.startswith("~"), Decimal(value.lstrip("~"))
    shown = f"${number:,.2f}" if number % 1 else f"${int(number):,}"
    return f"about {shown}" if about else shown


def date_for_ear(value: str) -> str:
    """"2026-11-24" -> "November 24th" (the same words for the eye)."""
    day = date.fromisoformat(value)
    return f"{calendar.month_name[day.month]} {ordinal(day.day)}"


def ordinal(n: int) -> str:
    """1 -> "1st", 22 -> "22nd", 13 -> "13th"."""
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def read_back(heard: dict[str, str]) -> str:
    """The representative's read-back: "So that's 149 dollars and 99 cents at Quickmart, on November 24th."."""
    parts = []
    if AMOUNT in heard:
        parts.append(amount_for_ear(heard[AMOUNT]))
    if MERCHANT in heard:
        parts.append(f"at {heard[MERCHANT]}" if parts else heard[MERCHANT])
    said = " ".join(parts)
    if DATE in heard:
        said += f", on {date_for_ear(heard[DATE])}" if said else f"on {date_for_ear(heard[DATE])}"
    return f"So that's {said}."


def shown(heard: dict[str, str]) -> dict[str, str]:
    """The captured details as a page shows them: {"amount": "$149.99", "date": "November 24th", ...}."""
    views = {AMOUNT: amount_for_eye, DATE: date_for_ear, MERCHANT: str}
    return {piece: views[piece](heard[piece]) for piece in PIECES if piece in heard}


def differs(said: dict[str, str], agreed: dict[str, str]) -> list[str]:
    """The pieces of a restatement that contradict what was agreed (an "about" amount never does)."""
    wrong = []
    for piece in PIECES:
        if piece in said and piece in agreed and not said[piece].startswith("~") and not agreed[piece].startswith("~"):
            same = (Decimal(said[piece]) == Decimal(agreed[piece]) if piece == AMOUNT
                    else said[piece].lower() == agreed[piece].lower())
            if not same:
                wrong.append(piece)
    return wrong


# --- A scenario's own facts, and the caller's in their place ---

def scenario_heard(facts) -> dict[str, str]:
    """A scenario's Facts in the form the representative keeps what it heard (amount, date, merchant)."""
    found = {}
    if facts.amount is not None:
        cents = facts.amount.quantize(Decimal("0.01"))
        found[AMOUNT] = str(cents) if cents % 1 else str(int(cents))
    if facts.date is not None:
        found[DATE] = facts.date.isoformat()
    if facts.merchant:
        found[MERCHANT] = facts.merchant
    return found


def facts_for_ear(facts) -> dict[str, str]:
    """Each of a scenario's facts as the prompts say it: {"amount": "eighty-four dollars and twenty cents", ...}."""
    heard = scenario_heard(facts)
    ear = {piece: (amount_for_ear if piece == AMOUNT else date_for_ear if piece == DATE else str)(value)
           for piece, value in heard.items()}
    if facts.card:
        ear["card"] = card_for_ear(facts.card)
    if facts.reference:
        ear["reference"] = " ".join(facts.reference)  # digit by digit, as it is read out
    if facts.points:
        ear["points"] = f"{number_words(facts.points)} bonus points"
    return ear


def facts_for_eye(facts) -> dict[str, str]:
    """Each of a scenario's facts as a page shows it: {"amount": "$84.20", "card": "ending in 4417", ...}."""
    shown_facts = shown(scenario_heard(facts))
    if facts.card:
        shown_facts["card"] = card_for_eye(facts.card)
    if facts.reference:
        shown_facts["reference"] = facts.reference
    if facts.points:
        shown_facts["points"] = f"{facts.points:,} bonus points"
    return shown_facts


def for_eye(text: str, facts) -> str:
    """Words written for the ear, with the scenario's facts as a page shows them."""
    eye = facts_for_eye(facts)
    for piece, spoken in facts_for_ear(facts).items():
        text = text.replace(spoken, eye[piece])
    return text


def retell(text: str, facts, heard: dict[str, str]) -> str:
    """A scenario's words with the caller's own details in place of the invented ones (the caller's win)."""
    ours = scenario_heard(facts)
    ear = facts_for_ear(facts)
    for piece, value in heard.items():
        # A rough amount ("like sixty something") wins too: it is what the caller agreed to in the read-back.
        rough = piece == AMOUNT and value.startswith("~")
        if piece in ours and piece in ear and (rough or differs({piece: value}, ours)):
            theirs = {AMOUNT: amount_for_ear, DATE: date_for_ear}.get(piece, str)(value)
            text = text.replace(ear[piece], theirs)
    return text
