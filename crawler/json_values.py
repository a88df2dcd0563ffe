"""Values of the JSON answers of list sources (Freep, Opdrachtoverheid, ...), read the same way
everywhere: numbers may come as numbers or numeric text ("122", "82,50"); 0, negatives and
non-numbers mean "not stated"; dates may come as dates or datetimes, and "1900-01-01" or any
year before 2000 means empty. A value that cannot be read at all is a warning, never a guess."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from schemas.zone import AMSTERDAM

EARLIEST_REAL_YEAR = 2000
T = TypeVar("T")


def positive_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            return None
    if not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if number == number and 0 < number < float("inf") else None


def calendar_date(value: Any) -> date | None:
    """ "2026-10-30" or a datetime text → its date; None for empty or placeholder values."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    found = datetime.fromisoformat(text).date() if len(text) > 10 else date.fromisoformat(text)
    return found if found.year >= EARLIEST_REAL_YEAR else None


def amsterdam_moment(value: Any) -> datetime | None:
    """An ISO datetime text in Europe/Amsterdam: a naive one is Amsterdam wall-clock time (the
    offset of that date: +01:00 in winter, +02:00 in summer), one with an offset is converted.
    None for empty or placeholder values."""
    if not isinstance(value, str) or not value.strip():
        return None
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if moment.year < EARLIEST_REAL_YEAR:
        return None
    return (
        moment.replace(tzinfo=AMSTERDAM) if moment.tzinfo is None else moment.astimezone(AMSTERDAM)
    )


def attempt(warnings: list[str], field: str, value: Any, parse: Callable[[Any], T]) -> T | None:
    """`parse(value)`, or None plus the warning `field: ...` when it cannot be read."""
    try:
        return parse(value)
    except (TypeError, ValueError) as exc:
        warnings.append(f"{field}: {value!r} could not be read ({exc})")
        return None
