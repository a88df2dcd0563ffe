"""The alert consumer's handler on a real SQLite alert store: who is alerted, once."""

from __future__ import annotations

from consumers.alerts.consumer import AlertMatcher
from schemas.events import TenderEvent
from schemas.tender import PayScale
from tests.alerts.conftest import EVENT_TIME, handle, saved_search


def published(tender, sequence: int = 1) -> TenderEvent:
    return TenderEvent.build("nl.tenderwatch.tender.published", tender, sequence, EVENT_TIME)


def updated(tender, sequence: int, changed: list[str]) -> TenderEvent:
    return TenderEvent.build("nl.tenderwatch.tender.updated", tender, sequence, EVENT_TIME, changed)


def alert_ids(repository) -> list[str]:
    return sorted(alert.id for alert in repository.alerts())


def test_a_published_tender_alerts_exactly_the_matching_searches_once(repository, seed_tenders):
    repository.save(saved_search("ss_overijssel", regions=("Overijssel",)))
    repository.save(saved_search("ss_drenthe", regions=("Drenthe",)))
    repository.save(saved_search("ss_keyword", keyword="procesregisseur jeugdhulp", status="all"))
    matcher = AlertMatcher(repository)
    handle(matcher, published(seed_tenders["30922"]), published(seed_tenders["30498"]))
    assert alert_ids(repository) == ["ss_keyword/flextender:30498", "ss_overijssel/flextender:30922"]
    assert {(d.alert_id, d.channel, d.status) for d in repository.deliveries()} == {
        ("ss_keyword/flextender:30498", "email", "pending"), ("ss_keyword/flextender:30498", "topic", "pending"),
        ("ss_overijssel/flextender:30922", "email", "pending"), ("ss_overijssel/flextender:30922", "topic", "pending")}
    handle(matcher, published(seed_tenders["30922"]), published(seed_tenders["30498"]))  # redelivery
    handle(AlertMatcher(repository), published(seed_tenders["30922"]))  # a restart replaying the topic
    assert len(repository.alerts()) == 2 and len(repository.deliveries()) == 4


def test_a_search_saved_later_is_matched_from_the_next_batch(repository, seed_tenders):
    matcher = AlertMatcher(repository)
    handle(matcher, published(seed_tenders["30922"]))
    repository.save(saved_search("ss_late", regions=("Overijssel",)))
    handle(matcher, published(seed_tenders["31050"]))
    assert alert_ids(repository) == ["ss_late/flextender:31050"]
    repository.remove("ss_late")
    handle(matcher, published(seed_tenders["28671"]))
    assert alert_ids(repository) == ["ss_late/flextender:31050"]


def test_updates_alert_only_searches_that_ask_and_only_when_material(repository, seed_tenders):
    repository.save(saved_search("ss_quiet", regions=("Overijssel",)))
    repository.save(saved_search("ss_updates", regions=("Overijssel",), alert_on_updates=True))
    matcher = AlertMatcher(repository)
    tender = seed_tenders["30922"]
    handle(matcher, published(tender))
    handle(matcher, updated(tender, 2, ["warnings"]))  # not material
    moved = tender.model_copy(update={"deadline": tender.deadline.replace(day=tender.deadline.day + 1)})
    handle(matcher, updated(moved, 3, ["deadline"]))
    handle(matcher, updated(moved, 3, ["deadline"]))  # redelivered
    assert alert_ids(repository) == ["ss_quiet/flextender:30922", "ss_updates/flextender:30922",
                                     "ss_updates/flextender:30922/3"]
    assert repository.alert("ss_updates/flextender:30922/3").kind == "changed"


def test_an_update_that_makes_a_tender_match_is_its_first_alert(repository, seed_tenders):
    repository.save(saved_search("ss_scale13", pay_scale_min=13))
    matcher = AlertMatcher(repository)
    tender = seed_tenders["30922"]
    handle(matcher, published(tender))
    assert repository.alerts() == []
    handle(matcher, updated(tender.model_copy(update={"pay_scale": PayScale(min=13, max=13, label="13")}), 2, ["pay_scale"]))
    alert = repository.alert("ss_scale13/flextender:30922")
    assert (alert.kind, alert.event, alert.sequence) == ("new", "nl.tenderwatch.tender.updated", 2)


def test_expired_tenders_and_daily_searches(repository, seed_tenders):
    repository.save(saved_search("ss_daily", regions=("Overijssel",), frequency="daily",
                                 webhook=("http://127.0.0.1:1/hook", "0123456789abcdef")))
    matcher = AlertMatcher(repository)
    handle(matcher, TenderEvent.build("nl.tenderwatch.tender.expired", seed_tenders["31050"].model_copy(update={"status": "expired"}),
                                      2, EVENT_TIME))
    assert repository.alerts() == []
    handle(matcher, published(seed_tenders["31050"]))
    assert {(d.channel, d.status) for d in repository.deliveries()} == {
        ("email", "digest"), ("webhook", "pending"), ("topic", "pending")}
