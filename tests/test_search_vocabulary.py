"""One search vocabulary (`schemas/search_query.py`): every `SearchFilter` field walked through
the URL query, the web form, "My alerts", the saved-search API and the CLI options."""

from __future__ import annotations

import html
from datetime import date

import click
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from starlette.datastructures import QueryParams

from crawler.sources import platforms
from schemas.search import SearchFilter
from schemas.search_query import (
    CLOSING,
    TERMS,
    described,
    filter_of,
    kind_of,
    page_query,
    unknown_fields,
)
from tenderwatch.cli.searching import filter_options, search_filter_of
from tenderwatch.common.settings import Settings
from tenderwatch.web.app import create_app
from tests.web.test_accounts import PUBLIC, client_for, csrf_of, sign_in

TODAY = date(2026, 3, 1)
# A value other than the default for every field; a new field needs one here.
SAMPLES = {
    "keyword": "projectleider",
    "regions": ("Utrecht", "Overijssel"),
    "pay_scale_min": 9,
    "pay_scale_max": 11,
    "hours_min": 16,
    "hours_max": 32,
    "deadline_after": date(2026, 4, 1),
    "deadline_before": date(2026, 6, 30),
    "education_level": "HBO",
    "das": False,
    "zzp_allowed": True,
    "client": "Gemeente Zwolle",
    "sources": ("striive", "freep"),
    "status": "all",
}
FIELDS = [term.field for term in TERMS]


def test_every_field_of_the_filter_has_a_term_and_a_sample():
    assert unknown_fields(SearchFilter.model_fields) == []
    assert set(SAMPLES) == set(SearchFilter.model_fields) == set(FIELDS)
    assert len({term.param for term in TERMS}) == len({term.option for term in TERMS}) == len(TERMS)


@pytest.mark.parametrize("field", FIELDS)
def test_through_the_url_query(field):
    search = SearchFilter(**{field: SAMPLES[field]})
    assert filter_of(QueryParams(page_query(search)), TODAY, known_sources=platforms()) == search


def cli_arguments(field: str) -> list[str]:
    term = next(term for term in TERMS if term.field == field)
    value, kind = SAMPLES[field], kind_of(field)[0]
    if kind == "yes_no":
        return [f"--{term.option}" if value else f"--no-{term.option}"]
    if kind == "many":
        return [part for item in value for part in (f"--{term.option}", item)]
    return [f"--{term.option}", str(value)]


@click.command()
@filter_options
def echo_filter(**options):
    click.echo(search_filter_of(options, today=TODAY).model_dump_json())


@pytest.mark.parametrize("field", FIELDS)
def test_through_the_command_line(field):
    result = CliRunner().invoke(echo_filter, cli_arguments(field))
    assert result.exit_code == 0, result.output
    assert SearchFilter.model_validate_json(result.output) == SearchFilter(
        **{field: SAMPLES[field]}
    )


def test_closing_within_is_the_same_shorthand_on_the_command_line_and_in_the_url():
    result = CliRunner().invoke(echo_filter, [f"--{CLOSING.option}", "7"])
    from_cli = SearchFilter.model_validate_json(result.output)
    assert from_cli == filter_of(QueryParams(f"{CLOSING.param}=7"), TODAY)
    assert (from_cli.deadline_after, from_cli.deadline_before) == (TODAY, date(2026, 3, 8))
    clash = CliRunner().invoke(
        echo_filter, [f"--{CLOSING.option}", "7", "--deadline-after", "2026-03-02"]
    )
    assert clash.exit_code == 2 and "not both" in clash.output


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("vocabulary") / "data"
    app = create_app(
        Settings(data_dir=data_dir, public_url=PUBLIC, now="2026-03-01T12:00:00+01:00"),
        platforms=platforms(),
    )
    with client_for(app) as client:
        client.csrf = sign_in(client, data_dir, "anna@example.nl")
        client.app_state = app.state
        yield client


@pytest.mark.parametrize("field", FIELDS)
def test_through_the_web_form_and_my_alerts(web, field):
    search = SearchFilter(**{field: SAMPLES[field]})
    term = next(term for term in TERMS if term.field == field)
    form = web.get("/?" + page_query(search)).text
    assert f'name="{term.param}"' in form, f"the search form has no {term.param} field"
    saved = web.post(
        "/alerts",
        data={
            "csrf": web.csrf,
            "name": f"only {field}",
            "query": page_query(search),
            "by_email": "1",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    (stored,) = [
        one
        for one in web.app_state.repository.list(owner="anna@example.nl")
        if one.name == f"only {field}"
    ]
    assert stored.filter == search
    my_alerts = html.unescape(web.get("/alerts", params={"lang": "en"}).text)
    (words,) = [value for described_term, value, _ in described(search) if described_term == term]
    section = my_alerts.split(f"only {field}")[1].split('class="alert"')[0]
    if field == "sources":  # a platform by its own name, without a label, as a person says it
        assert platforms()[words.split(",")[0]] in section.split("The search:")[1]
    elif field in ("keyword", "regions"):  # the words themselves say what they are
        assert words.split(",")[0] in section.split("The search:")[1]
    else:
        assert f"{term.label}: " in my_alerts and words.split(",")[0] in my_alerts


@pytest.mark.parametrize("field", FIELDS)
def test_through_the_api(tmp_path, field):
    app = create_app(Settings(data_dir=tmp_path))
    with TestClient(app) as api:
        token = app.state.repository.add_user("anna")
        document = {
            "name": field,
            "email": "anna@example.nl",
            "filter": SearchFilter(**{field: SAMPLES[field]}).model_dump(
                mode="json", exclude_defaults=True
            ),
        }
        created = api.post(
            "/saved-searches", json=document, headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 201, created.text
        assert SearchFilter.model_validate(created.json()["filter"]) == SearchFilter(
            **{field: SAMPLES[field]}
        )


def test_a_csrf_less_alert_form_changes_nothing(web):
    before = len(web.app_state.repository.list(owner="anna@example.nl"))
    page = web.get("/alerts/new?q=jurist").text
    assert csrf_of(page)  # the form carries one
    refused = web.post(
        "/alerts", data={"name": "no token", "query": "q=jurist"}, follow_redirects=False
    )
    assert refused.status_code == 403
    assert len(web.app_state.repository.list(owner="anna@example.nl")) == before
