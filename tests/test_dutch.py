"""Table tests of the Dutch value parsers: real strings from the seeds and flextender.md §4."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from crawler import dutch
from crawler.dutch import UnparsableValue

CEST, CET = timezone(timedelta(hours=2)), timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("woensdag 8 juli 2026", date(2026, 7, 8)),
        ("23 september 2026", date(2026, 9, 23)),
        ("dinsdag 25 november\n2025", date(2025, 11, 25)),
        ("4-5-2026", date(2026, 5, 4)),  # day-month-year, never 5 April
        ("8-7-2026", date(2026, 7, 8)),
        ("1 JULI 2026", date(2026, 7, 1)),
    ],
)
def test_parse_date(text, expected):
    assert dutch.parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "nader te bepalen", "31 februari 2026", "32-1-2026", "juli"])
def test_parse_date_refuses(text):
    with pytest.raises(UnparsableValue):
        dutch.parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("maandag 6 juli 2026, 09.00 uur", datetime(2026, 7, 6, 9, 0, tzinfo=CEST)),
        ("dinsdag 18 november 2025, 09:00 uur", datetime(2025, 11, 18, 9, 0, tzinfo=CET)),
        ("maandag 30 maart 2026, 09:00 uur", datetime(2026, 3, 30, 9, 0, tzinfo=CEST)),
        (
            "zondag 29 maart 2026, 01:30 uur",
            datetime(2026, 3, 29, 1, 30, tzinfo=CET),
        ),  # before the switch
        (
            "woensdag 8 juli 2026. De vragen worden om 10.00 uur",
            datetime(2026, 7, 8, 0, 0, tzinfo=CEST),
        ),
    ],
)
def test_parse_local_datetime_uses_the_offset_of_that_date(text, expected):
    parsed = dutch.parse_local_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:00 uur", time(9, 0)), ("09.00 uur", time(9, 0)), ("17:30", time(17, 30))],
)
def test_parse_clock_time(text, expected):
    assert dutch.parse_clock_time(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("28 tot 32 uur", (28, 32)),
        ("16 uur per week uur", (16, 16)),
        ("16-24 uur", (16, 24)),
        ("24 uur", (24, 24)),
        ("36", (36, 36)),
        ("28 tot 32", (28, 32)),
        ("in overleg", None),
    ],
)
def test_parse_hours_per_week(text, expected):
    assert dutch.parse_hours_per_week(text) == expected


@pytest.mark.parametrize(
    "text", ["24 tot 32 per maand uur", "160 per jaar", "veel", "32 tot 24 uur", "80 uur"]
)
def test_parse_hours_per_week_refuses(text):
    with pytest.raises(UnparsableValue):
        dutch.parse_hours_per_week(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Z.s.m.", (None, None, True)),
        ("Z.s.m", (None, None, True)),
        ("zsm", (None, None, True)),
        ("September 2026", (date(2026, 9, 1), "month", False)),
        ("1 juli 2026", (date(2026, 7, 1), "day", False)),
        ("4-5-2026", (date(2026, 5, 4), "day", False)),
        ("1 november 2026", (date(2026, 11, 1), "day", False)),
    ],
)
def test_parse_start(text, expected):
    assert dutch.parse_start(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6 maanden maanden", (6, None)),
        ("6 maanden", (6, None)),
        ("12 maanden maanden", (12, None)),
        ("1 jaar", (12, None)),
        ("12 weken", (3, None)),
        ("2 weken", (1, None)),
        ("26 weken", (6, None)),
        ("Tot en met 30 juni 2026", (None, date(2026, 6, 30))),
    ],
)
def test_parse_duration(text, expected):
    assert dutch.parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nee", (0, None)),
        ("3 x 6 maand(en)", (3, 6)),
        ("2 maal 3 maand(en)", (2, 3)),
        ("1 x 12 maand(en)", (1, 12)),
        ("1 x 1 jaar", (1, 12)),
    ],
)
def test_parse_extension(text, expected):
    assert dutch.parse_extension(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("Ja", True), ("Nee", False), ("ja", True), (" Nee ", False)]
)
def test_parse_yes_no(text, expected):
    assert dutch.parse_yes_no(text) is expected


@pytest.mark.parametrize("text", ["ja/nee", "misschien", ""])
def test_parse_yes_no_refuses_the_unfilled_template(text):
    with pytest.raises(UnparsableValue):
        dutch.parse_yes_no(text)


@pytest.mark.parametrize(
    ("text", "expected"), [("HBO", "HBO"), ("WO", "WO"), ("MBO+", "MBO"), ("hbo/wo", "HBO")]
)
def test_parse_education_level(text, expected):
    assert dutch.parse_education_level(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Deze functie is ingedeeld in functieschaal 11.", (11, 11, "11")),
        ("functieschaal 10A", (10, 10, "10A")),
        ("functieschaal 11a", (11, 11, "11A")),
        ("functieschaal 6/7", (6, 7, "6/7")),
        ("functieschaal 9/10", (9, 10, "9/10")),
        ("12", (12, 12, "12")),
    ],
)
def test_parse_pay_scale(text, expected):
    assert dutch.parse_pay_scale(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "functieschaal 105",
        "functieschaal 0",
        "functieschaal 19",
        "geen schaal",
        "functieschaal 10/9",
    ],
)
def test_parse_pay_scale_refuses(text):
    with pytest.raises(UnparsableValue):
        dutch.parse_pay_scale(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Een maximum uurtarief van € 110,00 exclusief btw", 110.0),
        ("maximaal € 120,- per uur", 120.0),
        ("€ 2,25 per gewerkt uur", 2.25),  # never 225
        ("€ 1.250,50", 1250.5),
        ("hoger dan €400.000 binnen het DAS", 400000.0),
    ],
)
def test_parse_euro(text, expected):
    assert dutch.parse_euro(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Flextender brengt voor deze opdracht € 2,25 per gewerkt uur in rekening", 2.25),
        ("Flex tender brengt voor deze opdracht geen fee in rekening.", 0.0),
    ],
)
def test_parse_fee_per_hour(text, expected):
    assert dutch.parse_fee_per_hour(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Maandag t/m vrijdag", ["ma", "di", "wo", "do", "vr"]),
        ("ma-di-wo-do-vr", ["ma", "di", "wo", "do", "vr"]),
        ("Ma – Di – Wo – Do – Vr", ["ma", "di", "wo", "do", "vr"]),
        ("ma, di, wo, do, vrij (in onderling overleg)", ["ma", "di", "wo", "do", "vr"]),
        ("dinsdag en donderdag", ["di", "do"]),
        ("ma - wo", ["ma", "di", "wo"]),
        ("vrijdag, maandag", ["ma", "vr"]),
        ("maandag tot en met zaterdag", ["ma", "di", "wo", "do", "vr", "za"]),
    ],
)
def test_parse_work_days(text, expected):
    assert dutch.parse_work_days(text) == expected


def test_parse_work_days_refuses_text_without_days():
    with pytest.raises(UnparsableValue):
        dutch.parse_work_days("in overleg")
