"""Parsers for the Dutch value formats seen on listings.

Each function takes the raw text as printed and returns a plain Python value, or raises
`UnparsableValue` with a short reason. They are pure and cheap (precompiled regular
expressions with bounded repetition, no general date parser), so they can be table-tested
and called per field without dominating the parse benchmark.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal

from schemas.zone import AMSTERDAM

MONTHS = {
    "januari": 1,
    "februari": 2,
    "maart": 3,
    "april": 4,
    "mei": 5,
    "juni": 6,
    "juli": 7,
    "augustus": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "december": 12,
}
_MONTH_ALT = "|".join(MONTHS)
_WEEKDAY_ALT = "maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag"

# "woensdag 8 juli 2026", "23 september 2026", "25 november\n2025"
TEXT_DATE = re.compile(
    rf"(?:\b(?:{_WEEKDAY_ALT})\s+)?\b(\d{{1,2}})\s+({_MONTH_ALT})\s+(\d{{4}})\b", re.IGNORECASE
)
NUMERIC_DATE = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b")
MONTH_YEAR = re.compile(rf"^\s*({_MONTH_ALT})\s+(\d{{4}})\s*$", re.IGNORECASE)
CLOCK_TIME = re.compile(r"\b([01]?\d|2[0-3])[:.]([0-5]\d)\b")


class UnparsableValue(ValueError):
    """A raw value that cannot be turned into the normalised form; the message says why."""


def squash(text: str) -> str:
    """Collapse all white space (including non-breaking spaces and line breaks) to single spaces."""
    return " ".join(text.split())


def _dated_spans(text: str) -> list[tuple[int, int, date]]:
    """(start, end, date) of every valid date written in words or as d-m-yyyy, in order."""
    found: list[tuple[int, int, date]] = []
    for match in TEXT_DATE.finditer(text):
        day, month_name, year = match.groups()
        try:
            found.append(
                (match.start(), match.end(), date(int(year), MONTHS[month_name.lower()], int(day)))
            )
        except ValueError:
            continue
    for match in NUMERIC_DATE.finditer(text):
        day, month, year = (int(part) for part in match.groups())
        try:
            found.append((match.start(), match.end(), date(year, month, day)))
        except ValueError:
            continue
    return sorted(found, key=lambda span: span[0])


def find_dates(text: str) -> list[date]:
    """Every valid calendar date written in words (or d-m-yyyy) in `text`, in order."""
    return [found for _, _, found in _dated_spans(text)]


def parse_date(text: str) -> date:
    """A single date: `woensdag 8 juli 2026`, `8 juli 2026` or `4-5-2026` (day-month-year)."""
    dates = find_dates(text)
    if not dates:
        raise UnparsableValue(f"no date in {squash(text)!r}")
    return dates[0]


def parse_clock_time(text: str) -> time:
    """`09:00 uur` or `09.00 uur` → 09:00."""
    match = CLOCK_TIME.search(text)
    if not match:
        raise UnparsableValue(f"no time of day in {squash(text)!r}")
    return time(int(match.group(1)), int(match.group(2)))


def amsterdam_datetime(day: date, clock: time) -> datetime:
    """Dutch local time → aware datetime with the Europe/Amsterdam offset valid on that date."""
    return datetime.combine(day, clock, tzinfo=AMSTERDAM)


END_OF_DAY = time(23, 59, 59)
NO_CLOSING_TIME = "deadline: closing time not stated; taken as 23:59:59"


def closing_at_end_of(day: date, warnings: list[str]) -> datetime:
    """A deadline given as a date alone: the end of that Amsterdam day, with the warning that
    says so (so expiry still works, and nobody takes it for a stated time)."""
    warnings.append(NO_CLOSING_TIME)
    return amsterdam_datetime(day, END_OF_DAY)


TIME_AFTER_DATE = re.compile(r"[\s,]*(?:om\s+|vanaf\s+)?([01]?\d|2[0-3])[:.]([0-5]\d)\b")


def parse_local_datetime(text: str) -> datetime:
    """`maandag 6 juli 2026, 09.00 uur` → 2026-07-06T09:00+02:00. Only a time written right
    after the date counts; without one the moment is midnight (callers warn about that)."""
    spans = _dated_spans(text)
    if not spans:
        raise UnparsableValue(f"no date in {squash(text)!r}")
    _, end, day = spans[0]
    clock = TIME_AFTER_DATE.match(text, end)
    return amsterdam_datetime(
        day, time(int(clock.group(1)), int(clock.group(2))) if clock else time(0, 0)
    )


_RANGE = re.compile(r"(\d{1,3})\s*(?:-|–|—|tot en met|tot|t/m|a|à)\s*(\d{1,3})")
_NUMBER = re.compile(r"\d{1,3}")
_WRONG_HOUR_UNIT = re.compile(r"per\s+(maand|jaar|dag|kwartaal)", re.IGNORECASE)
_BY_AGREEMENT = re.compile(r"in\s+overleg|n\.?o\.?t\.?k|nader\s+te\s+bepalen", re.IGNORECASE)


def parse_int_range(text: str) -> tuple[int, int]:
    """`28 tot 32`, `16-24`, `1-2.`, `36` → (min, max)."""
    match = _RANGE.search(text)
    if match:
        low, high = int(match.group(1)), int(match.group(2))
    else:
        numbers = _NUMBER.findall(text)
        if len(numbers) != 1:
            raise UnparsableValue(f"no single number or range in {squash(text)!r}")
        low = high = int(numbers[0])
    if low > high:
        raise UnparsableValue(f"range runs backwards in {squash(text)!r}")
    return low, high


def parse_hours_per_week(text: str) -> tuple[int, int] | None:
    """Hours per week. `in overleg` → None; another time unit (e.g. `per maand`) is refused
    rather than converted, since the label says per week and the text disagrees."""
    if _BY_AGREEMENT.search(text):
        return None
    unit = _WRONG_HOUR_UNIT.search(text)
    if unit:
        raise UnparsableValue(
            f"unit conflict: {unit.group(0)!r} in an hours-per-week field ({squash(text)!r})"
        )
    low, high = parse_int_range(text)
    if high > 60:
        raise UnparsableValue(f"implausible hours per week {squash(text)!r}")
    return low, high


_ASAP = re.compile(
    r"^\s*(z\.?\s*s\.?\s*m\.?|zo\s+snel\s+mogelijk|per\s+direct|direct|asap)\s*$", re.IGNORECASE
)


def parse_start(text: str) -> tuple[date | None, str | None, bool]:
    """Start → (date, precision, asap). `Z.s.m.` → (None, None, True);
    `September 2026` → first of the month with precision `month`."""
    if _ASAP.match(text):
        return None, None, True
    month_only = MONTH_YEAR.match(text)
    if month_only:
        return (
            date(int(month_only.group(2)), MONTHS[month_only.group(1).lower()], 1),
            "month",
            False,
        )
    return parse_date(text), "day", False


WEEKS_PER_MONTH = Decimal("4.345")  # 52.14 weeks / 12 months
_DURATION = re.compile(
    r"(\d{1,3}(?:[.,]\d)?)\s*(maand|maanden|mnd|week|weken|jaar|jaren|dag|dagen)\b", re.IGNORECASE
)
_UNTIL = re.compile(r"\b(tot\s+en\s+met|t/m|tot)\b", re.IGNORECASE)


def parse_duration(text: str) -> tuple[int | None, date | None]:
    """Duration → (months, end date).

    `6 maanden maanden` → 6; `1 jaar` → 12; weeks → months rounded half up at 4.345 weeks a
    month with at least 1 (`12 weken` → 3, `2 weken` → 1); `Tot en met 30 juni 2026` →
    (None, 2026-06-30): the months are left null because the start is not always known."""
    if _UNTIL.search(text):
        return None, parse_date(text)
    match = _DURATION.search(text)
    if not match:
        raise UnparsableValue(f"no duration in {squash(text)!r}")
    amount = Decimal(match.group(1).replace(",", "."))
    unit = match.group(2).lower()
    if unit.startswith("ma") or unit == "mnd":
        months = amount
    elif unit.startswith("ja"):
        months = amount * 12
    elif unit.startswith("we"):
        months = max(Decimal(1), amount / WEEKS_PER_MONTH)
    else:
        months = max(Decimal(1), amount / Decimal(30))
    return int(months.quantize(Decimal(1), rounding="ROUND_HALF_UP")), None


_EXTENSION = re.compile(
    r"(\d{1,2})\s*(?:x|×|maal|keer)\s*(\d{1,3})\s*(maand|jaar|week|weken)", re.IGNORECASE
)
_NO = re.compile(r"^\s*(nee|geen|n\.?v\.?t\.?)\s*\.?\s*$", re.IGNORECASE)
_YES = re.compile(r"^\s*ja\s*\.?\s*$", re.IGNORECASE)


def parse_extension(text: str) -> tuple[int, int | None]:
    """`3 x 6 maand(en)` / `2 maal 3 maand(en)` → (3, 6); `Nee` → (0, None)."""
    if _NO.match(text):
        return 0, None
    match = _EXTENSION.search(text)
    if not match:
        raise UnparsableValue(f"no extension option in {squash(text)!r}")
    count, length, unit = int(match.group(1)), int(match.group(2)), match.group(3).lower()
    if unit.startswith("ja"):
        length *= 12
    elif unit.startswith("we"):
        length = max(1, round(length / float(WEEKS_PER_MONTH)))
    return count, length


def parse_yes_no(text: str) -> bool:
    """`Ja` / `Nee` → bool; anything else (such as the unfilled template `ja/nee`) is refused."""
    if _YES.match(text):
        return True
    if _NO.match(text):
        return False
    raise UnparsableValue(f"neither ja nor nee: {squash(text)!r}")


_EDUCATION = re.compile(r"\b(MBO|HBO|WO)\b\+?", re.IGNORECASE)


def parse_education_level(text: str) -> str:
    """`HBO`, `WO`, `MBO+` → `HBO`, `WO`, `MBO` (the lowest level named when several are)."""
    levels = [match.group(1).upper() for match in _EDUCATION.finditer(text)]
    if not levels:
        raise UnparsableValue(f"unknown education level {squash(text)!r}")
    return min(levels, key=("MBO", "HBO", "WO").index)


_SCALE = re.compile(
    r"(?:functie)?schaal\s+(\d{1,3}[A-Ba-b]?)(?:\s*(?:/|-|tot|t/m|of)\s*(\d{1,3}[A-Ba-b]?))?",
    re.IGNORECASE,
)
_BARE_SCALE = re.compile(
    r"^\s*(\d{1,3}[A-Ba-b]?)(?:\s*(?:/|-|tot|t/m|of)\s*(\d{1,3}[A-Ba-b]?))?\s*$"
)
MIN_SCALE, MAX_SCALE = 1, 18


def parse_pay_scale(text: str) -> tuple[int, int, str]:
    """`functieschaal 11` → (11, 11, "11"); `10A` → (10, 10, "10A"); `9/10` → (9, 10, "9/10").
    Scales outside 1-18 of the municipal CAO (e.g. `105`) are refused."""
    match = _SCALE.search(text) or _BARE_SCALE.match(text)
    if not match:
        raise UnparsableValue(f"no pay scale in {squash(text)!r}")
    low_label, high_label = match.group(1).upper(), (match.group(2) or match.group(1)).upper()
    low, high = int(low_label.rstrip("AB")), int(high_label.rstrip("AB"))
    if not (MIN_SCALE <= low <= MAX_SCALE and MIN_SCALE <= high <= MAX_SCALE) or low > high:
        raise UnparsableValue(f"pay scale {match.group(0)!r} is outside {MIN_SCALE}-{MAX_SCALE}")
    label = low_label if low_label == high_label else f"{low_label}/{high_label}"
    return low, high, label


# `€ 110,00`, `€ 120,-`, `€ 2,25`, `€ 1.250,50`, `€400.000`
EURO_AMOUNT = re.compile(r"€\s?(\d{1,3}(?:\.\d{3})+|\d{1,7})(?:,(\d{1,2}|-{1,2}))?")


def parse_euro(text: str) -> float:
    """The first euro amount in Dutch notation (`.` groups thousands, `,` is the decimal mark)."""
    match = EURO_AMOUNT.search(text)
    if not match:
        raise UnparsableValue(f"no euro amount in {squash(text)!r}")
    units = match.group(1).replace(".", "")
    cents = match.group(2) or ""
    cents = cents if cents.isdigit() else "0"
    return float(Decimal(f"{units}.{cents}"))


_NO_FEE = re.compile(r"\bgeen\s+(?:fee|kosten|vergoeding)\b", re.IGNORECASE)


def parse_fee_per_hour(text: str) -> float:
    """`€ 2,25 per gewerkt uur` → 2.25; `geen fee` → 0.0."""
    if _NO_FEE.search(text):
        return 0.0
    return parse_euro(text)


_DAY_WORDS = [
    ("ma", "maandag|maa|ma"),
    ("di", "dinsdag|din|di"),
    ("wo", "woensdag|woe|wo"),
    ("do", "donderdag|don|do"),
    ("vr", "vrijdag|vrij|vr"),
    ("za", "zaterdag|zat|za"),
    ("zo", "zondag|zon|zo"),
]
_DAY_TOKEN = re.compile(
    r"\b(" + "|".join(f"(?P<{key}>{alternatives})" for key, alternatives in _DAY_WORDS) + r")\b\.?",
    re.IGNORECASE,
)
_RANGE_WORD = re.compile(r"^\s*(?:t/m|tot\s+en\s+met|tot)\s*$", re.IGNORECASE)
_DASH = re.compile(r"^\s*[-–—]\s*$")
WEEK = ("ma", "di", "wo", "do", "vr", "za", "zo")


def parse_work_days(text: str) -> list[str]:
    """`Maandag t/m vrijdag`, `ma-di-wo-do-vr`, `Ma – Di – Wo – Do – Vr`,
    `ma, di, wo, do, vrij (in onderling overleg)` → ["ma", "di", "wo", "do", "vr"]."""
    tokens: list[tuple[str, int, int]] = []
    for match in _DAY_TOKEN.finditer(text):
        key = next(name for name, value in match.groupdict().items() if value and name in WEEK)
        tokens.append((key, match.start(), match.end()))
    if not tokens:
        raise UnparsableValue(f"no work days in {squash(text)!r}")
    days: set[str] = set()
    for index, (key, _, end) in enumerate(tokens):
        days.add(key)
        if index + 1 == len(tokens):
            break
        next_key, next_start, _ = tokens[index + 1]
        between = text[end:next_start]
        # "maandag t/m vrijdag" is a range; so is "ma - vr", but "ma-di-wo" lists days.
        if _RANGE_WORD.match(between) or (_DASH.match(between) and len(tokens) == 2):
            days.update(WEEK[WEEK.index(key) : WEEK.index(next_key) + 1])
    return [day for day in WEEK if day in days]


def _month_numbers() -> dict[str, int]:
    """Dutch month names, full and abbreviated (`sep`, `mrt`, `okt`), from the CLDR data Babel
    ships: what short date texts ("17 sep 2026") use."""
    from babel.dates import get_month_names

    names: dict[str, int] = dict(MONTHS)
    for width in ("wide", "abbreviated"):
        names.update(
            {
                name.lower().rstrip("."): number
                for number, name in get_month_names(width, locale="nl").items()
            }
        )
    names["sept"] = 9
    return names


MONTH_NUMBERS = _month_numbers()
_ANY_MONTH = "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True))
DAY_MONTH = re.compile(rf"\b(\d{{1,2}})\s+({_ANY_MONTH})\.?(?:\s+(\d{{4}}))?\b", re.IGNORECASE)


def parse_day_months(text: str) -> list[tuple[int, int, int | None]]:
    """Every "day month [year]" in `text` ("17 sep 2026", "7 sep", "31 maart 2027"), as
    (day, month, year or None), in order."""
    return [
        (int(day), MONTH_NUMBERS[month.lower()], int(year) if year else None)
        for day, month, year in DAY_MONTH.findall(text)
    ]


def parse_period(text: str) -> tuple[date, date | None, list[str]]:
    """A period "17 sep 2026 - 31 mrt 2027" or "7 sep - 21 dec 2026" → (start, end, warnings).
    A start without a year takes the end's (one less when that puts it after the end), with a
    warning; a single date is the start."""
    found = parse_day_months(text)
    if not found:
        raise UnparsableValue(f"no date in {squash(text)!r}")
    warnings: list[str] = []
    end = None
    if len(found) > 1:
        day, month, year = found[1]
        if year is None:
            raise UnparsableValue(f"the end of {squash(text)!r} has no year")
        end = date(year, month, day)
    day, month, year = found[0]
    if year is None:
        if end is None:
            raise UnparsableValue(f"{squash(text)!r} has no year")
        year = end.year if (month, day) <= (end.month, end.day) else end.year - 1
        warnings.append(f"start: year not stated in {squash(text)!r}; taken as {year}")
    return date(year, month, day), end, warnings


def day_month_on_or_after(day: int, month: int, reference: date) -> date:
    """A date written without its year: the first one on or after `reference`."""
    candidate = date(reference.year, month, day)
    return candidate if candidate >= reference else date(reference.year + 1, month, day)
