"""The follow-up reminder: an all-day iCalendar (.ics) event with a morning alarm."""

from __future__ import annotations

import datetime as dt
import hashlib

from icalendar import Alarm, Calendar, Event

PRODID = "-//Practice Line//Pre-call checklist//EN"
ALARM_AT = dt.timedelta(hours=9)  # the all-day event starts at midnight; remind at 09:00


def reminder_ics(summary: str, description: str, day: dt.date, url: str | None, uid_seed: str,
                 now: dt.datetime) -> bytes:
    """An all-day event on `day` with a 09:00 alarm, as .ics bytes (with a URL only when one is given)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")

    event = Event()
    # The same checklist and day give the same UID, so importing twice updates rather than duplicates.
    uid = hashlib.sha256(f"{uid_seed}|{day.isoformat()}".encode()).hexdigest()[:32]
    event.add("uid", f"{uid}@practice-line")
    event.add("dtstamp", now.astimezone(dt.timezone.utc))
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    if url:
        event.add("url", url)
    event.add("transp", "TRANSPARENT")

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", ALARM_AT)
    event.add_component(alarm)

    calendar.add_component(event)
    return calendar.to_ical()
