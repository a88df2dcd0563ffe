"""Every field of the Tender for each of the five seed listings, written out from the seed text.

Seeds (`shared/seeds/`): 000 → 30922, 001 → 30498 (expired), 002 → 31050,
003 → served as 27001 (a PDF print without its request number, client or start; expired),
004 → 28671. Ambiguous values are decided as documented in README "Normalisation decisions".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

CEST = timezone(timedelta(hours=2))
CET = timezone(timedelta(hours=1))

ALL_WEEKDAYS = ["ma", "di", "wo", "do", "vr"]

EXPECTED = {
    "30922": {
        "id": "flextender:30922",
        "title": "Procesregisseur Zorg- & Veiligheidshuis IJsselland",
        "client": "Zwolle",
        "region": "Overijssel",
        "status": "open",
        "education_level": "HBO",
        "hours_per_week": None,
        "deadline": datetime(2026, 7, 8, 9, 0, tzinfo=CEST),
        "questions_deadline": datetime(2026, 7, 6, 9, 0, tzinfo=CEST),
        "start": {"date": date(2026, 9, 1), "precision": "month", "asap": False},
        "end_date": None,
        "duration_months": 6,
        "extension": {"count": 0, "months": None},
        "das": False,
        "pay_scale": {"min": 11, "max": 11, "label": "11"},
        "max_hourly_rate": None,
        "fee_per_hour": 0.0,
        "professionals": {"min": 1, "max": 1},
        "knockout_criteria": [
            "Minimaal 3 jaar aantoonbare werkervaring met het coördineren of regisseren van "
            "multidisciplinaire samenwerking in een zorg- en/of veiligheidscontext, inclusief het "
            "werken met complexe casuïstiek en het voorzitten van multidisciplinaire casus- of "
            "ketenoverleggen",
            "Aantoonbare werkervaring met complexe casuïstiek op het snijvlak van zorg, "
            "veiligheid en/of justitie",
            "Aantoonbare kennis van de rollen, bevoegdheden en interventiemogelijkheden van "
            "gemeenten, zorgpartners en justitiële ketenpartners",
            "Aantoonbare kennis van relevante wet- en regelgeving omtrent gegevensdeling en "
            "privacy (AVG) in ketensamenwerking",
        ],
        "selection_criteria": [
            (
                "Aantoonbare werkervaring binnen een Zorg- en Veiligheidshuis of vergelijkbare "
                "keten-/netwerkorganisatie waarin casusregie centraal staat",
                40,
            ),
            (
                "Aantoonbare werkervaring met samenwerking binnen het justitiële domein (zoals "
                "politie, OM en/of reclassering) en inzicht in strafrechtelijke interventies",
                30,
            ),
            (
                "Aantoonbare werkervaring met gegevensdeling binnen zorg- en veiligheidsketens en "
                "toepassing van AVG in multidisciplinaire samenwerking",
                30,
            ),
        ],
        "competencies": [
            "Oordeelsvorming en besluitvaardigheid in complexe en gevoelige casuïstiek",
            "Conflicthantering en omgaan met tegengestelde belangen binnen multidisciplinaire "
            "samenwerking",
            "Politiek-bestuurlijke sensitiviteit binnen een netwerk van gemeenten en ketenpartners",
            "Stressbestendigheid en kunnen schakelen onder tijdsdruk en in complexe dossiers",
            "Regie- en procesvoering in niet-hiërarchische samenwerkingsverbanden",
            "Integriteit en zorgvuldig omgaan met vertrouwelijke en gevoelige informatie",
            "Analytisch vermogen in het duiden van complexe zorg- en veiligheidsproblematiek",
        ],
        "hybrid": True,
        "work_days": ALL_WEEKDAYS,
        "interview_dates": [date(2026, 7, 13)],
        "zzp_allowed": True,
        "requirements": {
            "vog": True,
            "confidentiality": True,
            "uea": True,
            "integrity_statement": False,
            "waadi": True,
            "sroi": True,
            "byod": False,
        },
        "warnings": ["hours_per_week"],
    },
    "30498": {
        "id": "flextender:30498",
        "title": "Procesregisseur lichte vormen van jeugdhulp",
        "client": None,
        "region": "Drenthe",
        "status": "expired",
        "education_level": "HBO",
        "hours_per_week": {"min": 28, "max": 32},
        "deadline": datetime(2026, 6, 22, 9, 0, tzinfo=CEST),
        "questions_deadline": datetime(2026, 6, 17, 9, 0, tzinfo=CEST),
        "start": {"date": date(2026, 7, 1), "precision": "day", "asap": False},
        "end_date": None,
        "duration_months": 6,
        "extension": {"count": 3, "months": 6},
        "das": True,
        "pay_scale": {"min": 12, "max": 12, "label": "12"},
        "max_hourly_rate": None,
        "fee_per_hour": 2.25,
        "professionals": None,
        "knockout_criteria": [
            "Minimaal 3 jaar aantoonbare werkervaring binnen de jeugdhulpverlening",
            "Aantoonbare werkervaring in een beleidsfunctie binnen een gemeentelijke organisatie",
            "Aantoonbare werkervaring in de afgelopen 5 jaar met proces- en/of netwerkregie",
            "Aantoonbare werkervaring met samenwerkingsprocessen waarbij de belangen van diverse "
            "stakeholders in acht worden genomen, benoem hiervan een voorbeeld in het cv",
        ],
        "selection_criteria": [
            ("Een aantoonbaar afgeronde opleiding op minimaal hbo-bachelor niveau", 10),
            (
                "Minimaal 2 jaar aantoonbare werkervaring als procesregisseur in de afgelopen 5 "
                "jaar met proces- en/of netwerkregie",
                25,
            ),
            (
                "Minimaal 3 jaar aantoonbare werkervaring als beleidsmedewerker Jeugd binnen het "
                "sociaal domein van een gemeente",
                15,
            ),
            (
                "Aantoonbare werkervaring met regionale samenwerking via gemeenschappelijke "
                "regelingen (duidelijk weergegeven in het cv)",
                30,
            ),
            (
                "Aantoonbare werkervaring in de afgelopen 3 jaar met het samenwerken met diverse "
                "partners in regionaal verband op het gebied van jeugd, licht dit duidelijk toe "
                "in het cv",
                20,
            ),
        ],
        "competencies": [
            "Je bent samenwerkingsgericht",
            "Je kunt goed schakelen",
            "Zelfstandig",
            "Doel- en resultaatgericht",
            "Doener",
            "Verbinder",
            "Analytisch en zakelijk",
        ],
        "hybrid": True,
        "work_days": ALL_WEEKDAYS,
        "interview_dates": [date(2026, 6, 25)],
        "zzp_allowed": True,
        "requirements": {
            "vog": True,
            "confidentiality": False,
            "uea": False,
            "integrity_statement": False,
            "waadi": True,
            "sroi": False,
            "byod": True,
        },
        "warnings": [],
    },
    "31050": {
        "id": "flextender:31050",
        "title": "Coördinator Sectorale Aanpak",
        "client": "Zwolle",
        "region": "Overijssel",
        "status": "open",
        "education_level": "WO",
        "hours_per_week": {"min": 16, "max": 16},
        "deadline": datetime(2026, 7, 16, 9, 0, tzinfo=CEST),
        "questions_deadline": datetime(2026, 7, 13, 9, 0, tzinfo=CEST),
        "start": {"date": None, "precision": None, "asap": True},
        "end_date": None,
        "duration_months": 12,
        "extension": {"count": 1, "months": 12},
        "das": True,
        "pay_scale": {"min": 12, "max": 12, "label": "12"},
        "max_hourly_rate": None,
        "fee_per_hour": 0.0,
        "professionals": {"min": 1, "max": 1},
        "knockout_criteria": [
            "Aantoonbare afgeronde opleiding op minimaal hbo bachelor niveau, in de richting van "
            "projectmanagement, bestuurskunde, HRM of vergelijkbaar",
            "Minimaal 5 jaar aantoonbare werkervaring in complexe sectoroverstijgende "
            "samenwerkingstrajecten op regionaal niveau",
            "Aantoonbare werkervaring als programmamanager of coördinator binnen publiek-private "
            "samenwerking",
            "Aantoonbare werkervaring met governance, bestuurlijke processen en budgetbeheer "
            "binnen regionale of gemeentelijke samenwerkingen",
        ],
        # The seed numbers these 4, 5, 6, 7, 8 (repeating the knock-outs' 4): five criteria, page
        # order.
        "selection_criteria": [
            (
                "De kandidaat beschikt over een relevant regionaal netwerk met het verbinden van "
                "partijen binnen onderwijs, overheid en ondernemers",
                20,
            ),
            (
                "Aantoonbare werkervaring heeft met het coördineren van meerdere samenhangende "
                "activiteiten of programma's binnen een complexe samenwerkingscontext",
                20,
            ),
            (
                "Aantoonbare werkervaring met het opereren binnen of rondom bestuurlijke "
                "besluitvormingsprocessen en governance-structuren binnen publieke of "
                "publiek-private samenwerkingen",
                20,
            ),
            (
                "Aantoonbare werkervaring met het ophalen van signalen uit de praktijk, deze "
                "duiden en te vertalen naar strategische en bestuurlijke agenda's",
                20,
            ),
            (
                "Aantoonbare kennis van en werkervaring met Human Capital-vraagstukken, "
                "arbeidsmarktontwikkeling en/of onderwijs-arbeidsmarkt vraagstukken",
                20,
            ),
        ],
        "competencies": [
            "Verbindend: legt verbindingen tussen sectorale netwerken en bewaakt de samenhang op "
            "regionaal niveau",
            "Signaleert en agendeert sectoroverstijgende kansen en brengt deze terug naar bestuur "
            "en beleid",
            "Onafhankelijk en rolzuiver: faciliterend en verbindend, zonder hiërarchische "
            "aansturing",
            "Communicatief sterk op alle niveaus: van sectornetwerk tot bestuurstafel",
            # One bullet in the seed, although it reads like two: kept as printed.
            "Ervaren in governance-inrichting, budgetbeheer en programmatisch werken Strategisch "
            "sterk met een praktische insteek: brengt mensen en agenda's in beweging",
        ],
        "hybrid": True,
        "work_days": ALL_WEEKDAYS,
        "interview_dates": [],  # "gepland op nader te bepalen"
        "zzp_allowed": None,  # no Uitvoeringsvoorwaarde
        "requirements": {
            "vog": True,
            "confidentiality": True,
            "uea": True,
            "integrity_statement": False,
            "waadi": True,
            "sroi": True,
            "byod": False,
        },
        "warnings": [],
    },
    "27001": {
        "id": "flextender:27001",
        "title": "Coördinator welzijn",
        "client": None,
        "region": "Gelderland",
        "status": "expired",
        "education_level": None,
        "hours_per_week": {"min": 24, "max": 24},
        "deadline": datetime(2025, 11, 25, 9, 0, tzinfo=CET),
        "questions_deadline": datetime(2025, 11, 18, 9, 0, tzinfo=CET),
        "start": None,
        "end_date": date(2026, 6, 30),
        "duration_months": None,
        "extension": None,
        "das": True,
        "pay_scale": None,  # "functieschaal 105" is not a scale
        "max_hourly_rate": None,
        "fee_per_hour": 0.0,
        "professionals": {"min": 1, "max": 1},
        "knockout_criteria": [
            "Inschrijver voldoet aan de gestelde uitvoeringsvoorwaarde zoals bovenaan benoemd in "
            "de uitvraag",
            "Aantoonbaar afgeronde opleiding op minimaal HBO bachelor niveau",
            "Minimaal 5 jaar aantoonbare werkervaring als coördinator en/of manager binnen het "
            "Sociaal Domein bij een gemeente of welzijnsstichting",
        ],
        "selection_criteria": [
            (
                "Aantoonbare afgeronde opleiding op minimaal hbo bachelor niveau richting "
                "Maatschappelijk werk en dienstverlening",
                15,
            ),
            (
                "Minimaal 6 jaar aantoonbare werkervaring als coördinator of manager in de zorg, "
                "welzijn of gebiedsteams bij een gemeente of welzijnsstichting",
                25,
            ),
            (
                "Aantoonbare werkervaring met het omzetten van beleid naar concrete projecten en "
                "resultaten (benoem separaat en beknopt een voorbeeld in het cv)",
                15,
            ),
            (
                "Aantoonbare werkervaring met samenwerkingspartners op het gebied van welzijn "
                "(zorgaanbieders, patiënt, zorgverzerkeraar en de publiek/private samenwerking "
                "PPS)",
                20,
            ),
            (
                "Kandidaat heeft aantoonbare werkervaring in projectmatig werken of "
                "veranderopgaven",
                25,
            ),
        ],
        "competencies": [
            "Je hebt verbindende en coachende kwaliteiten en bent in staat een team mee te nemen "
            "in ontwikkeling",
            "Je communiceert helder en duidelijk, durft anderen aan te spreken indien nodig en "
            "bent besluitvaardig",
            "Je toont lef en durft innovatief te zijn in je werk, je kijkt kritisch naar "
            "processen, denkt in oplossingen en bent proactief in het verbeteren van werkwijzen",
            "Je hebt oog voor de wensen en behoeften van zowel inwoners als bestuur",
            "Je beschikt over analysevaardigheden en je kunt besluitvaardig omgaan met "
            "tegenstellingen, dynamiek en veranderopgaven",
        ],
        "hybrid": None,  # unfilled template "ja/nee"
        "work_days": ALL_WEEKDAYS,
        "interview_dates": [date(2025, 12, 2)],
        "zzp_allowed": False,
        "requirements": {
            "vog": True,
            "confidentiality": False,
            "uea": False,
            "integrity_statement": True,
            "waadi": True,
            "sroi": True,
            "byod": False,
        },
        "warnings": ["pay_scale", "hybrid"],
    },
    "28671": {
        "id": "flextender:28671",
        "title": "Procesbegeleider Periodieke Hotspot-monitor",
        "client": None,
        "region": "Overijssel",
        "status": "open",
        "education_level": "HBO",
        "hours_per_week": {"min": 16, "max": 24},
        "deadline": datetime(2026, 4, 7, 9, 0, tzinfo=CEST),
        "questions_deadline": datetime(2026, 3, 30, 9, 0, tzinfo=CEST),  # the day after DST began
        "start": {"date": date(2026, 5, 4), "precision": "day", "asap": False},
        "end_date": None,
        "duration_months": 6,
        "extension": {"count": 2, "months": 6},
        "das": True,
        "pay_scale": {"min": 10, "max": 10, "label": "10"},
        "max_hourly_rate": 110.0,
        "fee_per_hour": 0.0,
        "professionals": {"min": 1, "max": 2},
        "knockout_criteria": [
            "Een maximum uurtarief van € 110,00 exclusief btw, inclusief reiskosten woon-werk "
            "verkeer werk-werkverkeer",
            "Aantoonbare afgeronde opleiding op minimaal hbo bachelor niveau in de richting van "
            "informatiebeheer, archiefwetenschap of bestuurskunde",
            "Minimaal 3 jaar aantoonbare werkervaring in de afgelopen 5 jaar als procesbegeleider "
            "of soortgelijk binnen een overheidsorganisatie",
            "Aantoonbare werkervaring op het gebied van werken met multidisciplinaire teams, dit "
            "is expliciet benoemd in de werkervaring",
            "Aantoonbare werkervaring met informatie- en archiefwetgeving, dit is expliciet "
            "benoemd in de werkervaring",
        ],
        "selection_criteria": [
            (
                "Aantoonbare werkervaring met digitale informatievoorziening en archivering, dit "
                "is expliciet toegelicht in de werkervaring",
                25,
            ),
            ("Aantoonbare werkervaring met het uitvoeren van een hotspotmonitor", 30),
            (
                "Minimaal 1 jaar aantoonbare werkervaring met maatschappelijke ontwikkelingen en "
                "cultureel erfgoed en cultuurhistorie",
                25,
            ),
            (
                "De kandidaat stelt zich voor in een korte (persoonlijke) motivatie en waarom "
                "deze geschikt is voor deze opdracht en wat deze opdracht aantrekkelijk maakt. De "
                "motivatie dient geschreven te zijn door de kandidaat zelf",
                20,
            ),
        ],
        "competencies": [
            "sterke communicatieve vaardigheden (zowel mondeling als schriftelijk)",
            "goed ontwikkeld organisatorisch vermogen",
            "balansbewaking/omgevingssensitiviteit",
            "analytisch vermogen",
        ],
        "hybrid": True,
        "work_days": ALL_WEEKDAYS,  # "ma, di, wo, do, vrij (in onderling overleg)"
        "interview_dates": [date(2026, 4, 13)],
        "zzp_allowed": None,
        "requirements": {
            "vog": True,
            "confidentiality": True,
            "uea": True,
            "integrity_statement": False,
            "waadi": True,
            "sroi": True,
            "byod": False,
        },
        "warnings": [],
    },
}

FIELDS = [name for name in EXPECTED["30922"] if name not in {"selection_criteria", "warnings"}]


@pytest.mark.parametrize("number", sorted(EXPECTED))
@pytest.mark.parametrize("field", FIELDS)
def test_field(seed_tenders, number, field):
    tender = seed_tenders[number]
    actual = getattr(tender, field)
    if hasattr(actual, "model_dump"):
        actual = actual.model_dump()
    assert actual == EXPECTED[number][field]


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_selection_criteria(seed_tenders, number):
    criteria = [
        (criterion.text, criterion.points) for criterion in seed_tenders[number].selection_criteria
    ]
    assert criteria == EXPECTED[number]["selection_criteria"]
    assert sum(points for _, points in criteria) == 100


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_warnings_name_exactly_the_unparsable_fields(seed_tenders, number):
    fields = [warning.split(":", 1)[0] for warning in seed_tenders[number].warnings]
    assert fields == EXPECTED[number]["warnings"]


def test_unit_conflict_warning_quotes_the_raw_text(seed_tenders):
    assert "per maand" in seed_tenders["30922"].warnings[0]


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_identity_and_provenance(seed_tenders, number):
    tender = seed_tenders[number]
    assert tender.source == "flextender"
    assert tender.external_id == number
    assert tender.url == f"https://www.flextender.nl/opdracht/?aanvraagnr={number}"
    assert tender.content_hash == tender.compute_content_hash()
    assert len(tender.content_hash) == 64


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_sections_hold_every_strong_header(seed_tenders, number):
    sections = seed_tenders[number].sections
    assert any(header.lower().startswith("competenties") for header in sections)
    assert "Planning" in sections and "Meer informatie" in sections
    assert "Beoordeling" in sections and "Stap 1" in sections["Beoordeling"]
    description = seed_tenders[number].description
    assert "<" not in description and "reactietermijn" in description


def test_misspelt_pay_scale_header_is_still_found(seed_tenders):
    assert "Funcieschaal" in seed_tenders["30498"].sections
    assert seed_tenders["30498"].pay_scale.label == "12"


def test_json_shape_of_the_contract(seed_tenders):
    data = seed_tenders["28671"].model_dump(mode="json")
    assert data["deadline"] == "2026-04-07T09:00:00+02:00"
    assert data["start"] == {"date": "2026-05-04", "precision": "day", "asap": False}
    assert data["interview_dates"] == ["2026-04-13"]
    assert data["hours_per_week"] == {"min": 16, "max": 24}
    assert data["selection_criteria"][1] == {
        "text": "Aantoonbare werkervaring met het uitvoeren van een hotspotmonitor",
        "points": 30,
    }
    assert seed_tenders["27001"].model_dump(mode="json")["deadline"] == "2025-11-25T09:00:00+01:00"


def test_content_hash_ignores_fetch_time_but_not_content(replica_pages):
    from datetime import UTC

    from crawler.sources.flextender.normalize import normalise
    from crawler.sources.flextender.pages import FlextenderDetailPage

    raw = FlextenderDetailPage(replica_pages["30922"]).raw()
    first = normalise(raw, fetched_at=datetime(2026, 3, 1, tzinfo=UTC))
    later = normalise(raw, fetched_at=datetime(2026, 3, 2, tzinfo=UTC))
    assert first.content_hash == later.content_hash
    changed = FlextenderDetailPage(
        replica_pages["30922"].replace("functieschaal 11", "functieschaal 10")
    ).raw()
    assert (
        normalise(changed, fetched_at=datetime(2026, 3, 1, tzinfo=UTC)).content_hash
        != first.content_hash
    )


SECTION_HEADERS = {
    "30922": [
        "Uitvoeringsvoorwaarde – arbeidsrelatie en wijze van uitvoering",
        "Organisatie",
        "De afdeling",
        "Opdracht",
        "Vereisten/ knock-outcriteria",
        "Selectiecriteria (weging, totaal 100 punten)",
        "Competenties",
        "Beoordeling",
        "Functieschaal",
        "Fee Flex tender",
        "Benodigd aantal professionals",
        "Offerte-eisen",
        "Werkdagen",
        "Planning",
        "Overige informatie",
        "Meer informatie",
    ],
    "30498": [
        "Uitvoeringsvoorwaarde",
        "Organisatie",
        "Opdracht",
        "Rol",
        "Wat ga je doen?",
        "Vereisten / knock-outcriteria",
        "Gunningscriteria te beoordelen door Flextender (weging, totaal 100 punten)",
        "Competenties",
        "Beoordeling",
        "Funcieschaal",
        "Fee Flextender",
        "Offerte-eisen",
        "Werkdagen",
        "Planning",
        "Overige informatie",
        "Meer informatie",
    ],
    "31050": [
        "Regio Zwolle",
        "Waar zetten we op in?",
        "Regio Zwolle Bureau",
        "Opdracht",
        "Vereisten/ knock-outcriteria",
        "Selectiecriteria (weging, totaal 100 punten)",
        "Competenties",
        "Beoordeling",
        "Functieschaal",
        "Fee Flex tender",
        "Benodigd aantal professionals",
        "CV-eisen",
        "Werkdagen",
        "Planning",
        "Overige informatie",
        "Meer informatie",
    ],
    "27001": [
        "Uitvoeringsvoorwaarde",
        "Organisatie",
        "Opdracht",
        "Vereisten / knock-outcriteria",
        "Selectiecriteria te beoordelen door Flextender\u00a0 (weging, totaal 100 punten)",
        "Competenties",
        "Beoordeling",
        "Functieschaal",
        "Fee Flextender",
        "Benodigd aantal professionals",
        "CV-eisen",
        "Werkdagen",
        "Planning",
        "Overige informatie",
        "Meer informatie",
    ],
    "28671": [
        "Organisatie",
        "Werken bij Overijssel",
        "Beschrijving Bedrijfsvoering",
        "Opdracht",
        "Wat ga je doen?",
        "Kerntaken",
        "Vereisten / knock-outcriteria",
        "Selectiecriteria te beoordelen door Flextender (weging, totaal 100 punten)",
        "Competenties",
        "Beoordeling",
        "Functieschaal",
        "Fee Flextender",
        "Benodigd aantal professionals",
        "CV-eisen",
        "Werkdagen",
        "Planning",
        "Overige informatie",
        "Meer informatie",
    ],
}


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_section_headers_in_page_order(seed_tenders, number):
    assert [" ".join(header.split()) for header in seed_tenders[number].sections] == [
        " ".join(header.split()) for header in SECTION_HEADERS[number]
    ]


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_fetched_at_is_the_crawl_clock(seed_tenders, number):
    from tests.conftest import SEED_CLOCK

    assert seed_tenders[number].fetched_at == SEED_CLOCK


def test_section_text_is_plain_and_complete(seed_tenders):
    sections = seed_tenders["30922"].sections
    assert sections["Functieschaal"].startswith("Deze functie is ingedeeld in functieschaal 11.")
    assert sections["Werkdagen"] == (
        "Is hybride werken mogelijk: Ja\n"
        "De opdracht wordt vervuld op de volgende werkdagen: Maandag t/m vrijdag"
    )
    assert sections["Overige informatie"].count("\n- ") == 4  # five bullets
    assert seed_tenders["30922"].description.startswith("Uitvoeringsvoorwaarde – arbeidsrelatie")
