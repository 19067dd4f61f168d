"""The issuer's numbers, address and hours: one file, read by every surface."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .yamlfile import load_model

_PHONE = r"^\+?1-\d{3}-\d{3}-\d{4}$"


class Line(BaseModel):
    """One telephone line: its US and from-abroad numbers and hours."""

    model_config = ConfigDict(extra="forbid")
    name: str
    us: str = Field(pattern=_PHONE)
    abroad: str = Field(pattern=_PHONE)
    collect_calls_from_abroad: bool
    hours: str


class MailAddress(BaseModel):
    """A postal address, one printed line each."""

    model_config = ConfigDict(extra="forbid")
    name: str
    lines: list[str] = Field(min_length=2)
    note: str = ""


class Contacts(BaseModel):
    """Everything config/contacts.yaml holds."""

    model_config = ConfigDict(extra="forbid")
    issuer: str
    website: str
    verify_note: str
    lines: dict[str, Line]
    mail: MailAddress

    def spoken(self) -> dict[str, str]:
        """Placeholders prompts may use, each as a speech engine should read it."""
        values = {"website": self.website.replace(".", " dot "), "issuer": self.issuer}
        for line_id, line in self.lines.items():
            key = line_id.replace("-", "_")
            values[f"{key}_us"] = spoken_phone(line.us)
            values[f"{key}_abroad"] = spoken_phone(line.abroad)
            values[f"{key}_hours"] = line.hours
        values["mail_address"] = spoken_address(self.mail.lines)
        return values

    def printed(self) -> dict[str, str]:
        """The same placeholders as spoken(), as a page prints them (plus each line's hours)."""
        values = {"website": self.website, "issuer": self.issuer, "mail_address": ", ".join(self.mail.lines)}
        for line_id, line in self.lines.items():
            key = line_id.replace("-", "_")
            values.update({f"{key}_us": line.us, f"{key}_abroad": line.abroad, f"{key}_hours": line.hours})
        return values


def load_contacts(path: Path) -> Contacts:
    """Load and validate the contacts file."""
    return load_model(path, Contacts)


def tel_uri(number: str) -> str:
    """The tel: link for a printed number such as 1-800-528-2122."""
    digits = re.sub(r"\D", "", number)
    return f"tel:+{digits}"


def spoken_phone(number: str) -> str:
    """Read a number the way people say it: 'plus 1, 6 2 3, 4 9 2, 5 4 5 0'."""
    groups = number.lstrip("+").split("-")
    said = [("eight hundred" if g == "800" else " ".join(g)) for g in groups]
    return ("plus " if number.startswith("+") else "") + ", ".join(said)


_STATES = {"TX": "Texas"}


def spoken_address(lines: list[str]) -> str:
    """Read an address aloud: no abbreviations, long numbers digit by digit."""
    text = ", ".join(lines)
    text = text.replace("P.O.", "P O")
    text = re.sub(r"\b([A-Z]{2})\b", lambda m: _STATES.get(m.group(1), m.group(1)), text)
    text = re.sub(r"\d{4,}", lambda m: " ".join(m.group(0)), text)
    return text.replace("-", ", ")
