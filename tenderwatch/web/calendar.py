"""A tender's deadline as an iCalendar file (RFC 5545), built with `icalendar`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from schemas.tender import Tender

PRODUCT = "-//tenderwatch//deadline//NL"


def deadline_calendar(tender: Tender, now: datetime) -> bytes:
    """One event at the deadline (a quarter of an hour long, so calendars show it), with a
    reminder a day before."""
    calendar = _calendar()
    calendar.add_component(_deadline_event(tender, now))
    return calendar.to_ical()


def deadlines_calendar(name: str, tenders: list[Tender], now: datetime) -> bytes:
    """A subscribable feed: the deadlines of a saved search's open matches."""
    calendar = _calendar()
    calendar.add("x-wr-calname", f"tenderwatch: {name}")
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    for tender in sorted(tenders, key=lambda tender: tender.id):
        calendar.add_component(_deadline_event(tender, now))
    return calendar.to_ical()


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    return calendar


def _deadline_event(tender: Tender, now: datetime) -> Event:
    assert tender.deadline is not None
    event = Event()
    event.add("uid", f"deadline-{tender.id}@tenderwatch")
    event.add("dtstamp", now.astimezone(UTC))
    deadline = tender.deadline.astimezone(
        UTC
    )  # a fixed offset has no time zone definition: UTC is exact
    event.add("dtstart", deadline)
    event.add("dtend", deadline + timedelta(minutes=15))
    event.add("summary", f"Deadline: {tender.title}")
    event.add("description", "\n".join(part for part in (tender.client, tender.url) if part))
    event.add("url", tender.url)
    reminder = Alarm()
    reminder.add("action", "DISPLAY")
    reminder.add("description", f"Deadline tomorrow: {tender.title}")
    reminder.add("trigger", timedelta(days=-1))
    event.add_component(reminder)
    return event
