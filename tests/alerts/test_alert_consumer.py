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
    assert alert_ids(repository) == [
        "ss_keyword/flextender:30498",
        "ss_overijssel/flextender:30922",
    ]
    assert {(d.alert_id, d.channel, d.status) for d in repository.deliveries()} == {
        ("ss_keyword/flextender:30498", "email", "pending"),
        ("ss_keyword/flextender:30498", "topic", "pending"),
        ("ss_overijssel/flextender:30922", "email", "pending"),
        ("ss_overijssel/flextender:30922", "topic", "pending"),
    }
    handle(
        matcher, published(seed_tenders["30922"]), published(seed_tenders["30498"])
    )  # redelivery
    handle(
        AlertMatcher(repository), published(seed_tenders["30922"])
    )  # a restart replaying the topic
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


def overijssel_searches(repository, quiet_name: str) -> AlertMatcher:
    """Two searches for Overijssel, `quiet_name` without updates, ss_updates with."""
    repository.save(saved_search(quiet_name, regions=("Overijssel",)))
    repository.save(saved_search("ss_updates", regions=("Overijssel",), alert_on_updates=True))
    return AlertMatcher(repository)


def test_updates_alert_only_searches_that_ask_and_only_when_material(repository, seed_tenders):
    matcher = overijssel_searches(repository, "ss_quiet")
    tender = seed_tenders["30922"]
    handle(matcher, published(tender))
    handle(matcher, updated(tender, 2, ["warnings"]))  # not material
    moved = tender.model_copy(
        update={"deadline": tender.deadline.replace(day=tender.deadline.day + 1)}
    )
    handle(matcher, updated(moved, 3, ["deadline"]))
    handle(matcher, updated(moved, 3, ["deadline"]))  # redelivered
    assert alert_ids(repository) == [
        "ss_quiet/flextender:30922",
        "ss_updates/flextender:30922",
        "ss_updates/flextender:30922/3",
    ]
    assert repository.alert("ss_updates/flextender:30922/3").kind == "changed"


def test_an_update_that_makes_a_tender_match_is_its_first_alert(repository, seed_tenders):
    repository.save(saved_search("ss_scale13", pay_scale_min=13))
    matcher = AlertMatcher(repository)
    tender = seed_tenders["30922"]
    handle(matcher, published(tender))
    assert repository.alerts() == []
    handle(
        matcher,
        updated(
            tender.model_copy(update={"pay_scale": PayScale(min=13, max=13, label="13")}),
            2,
            ["pay_scale"],
        ),
    )
    alert = repository.alert("ss_scale13/flextender:30922")
    assert (alert.kind, alert.event, alert.sequence) == ("new", "nl.tenderwatch.tender.updated", 2)


def test_expired_tenders_and_daily_searches(repository, seed_tenders):
    repository.save(
        saved_search(
            "ss_daily",
            regions=("Overijssel",),
            frequency="daily",
            webhook=("http://127.0.0.1:1/hook", "0123456789abcdef"),
        )
    )
    matcher = AlertMatcher(repository)
    handle(
        matcher,
        TenderEvent.build(
            "nl.tenderwatch.tender.expired",
            seed_tenders["31050"].model_copy(update={"status": "expired"}),
            2,
            EVENT_TIME,
        ),
    )
    assert repository.alerts() == []
    handle(matcher, published(seed_tenders["31050"]))
    assert {(d.channel, d.status) for d in repository.deliveries()} == {
        ("email", "digest"),
        ("webhook", "pending"),
        ("topic", "pending"),
    }


def _listed_together(first, second):
    """`first` (the older) and `second` as listings of one assignment, as the crawler sends them."""
    from schemas.tender import Listing

    def also(tender):
        return [Listing(source=tender.source, id=tender.id, url=tender.url)]

    return (
        first.model_copy(update={"assignment_id": first.id, "also_on": also(second)}),
        second.model_copy(update={"assignment_id": first.id, "also_on": also(first)}),
    )


def test_one_alert_per_assignment_and_an_also_on_update_only_for_searches_that_want_updates(
    repository, seed_tenders
):
    matcher = overijssel_searches(repository, "ss_overijssel")
    original = seed_tenders["30922"]
    handle(matcher, published(original))
    copy = seed_tenders["31050"].model_copy(
        update={"id": "opdrachtoverheid:flextender_30922", "source": "opdrachtoverheid"}
    )
    original_now, copy_now = _listed_together(original, copy)
    handle(matcher, published(copy_now), updated(original_now, 2, ["also_on"]))
    assert alert_ids(repository) == [
        "ss_overijssel/flextender:30922",
        "ss_updates/flextender:30922",
        "ss_updates/flextender:30922/2",
    ]
    also_on = repository.alert("ss_updates/flextender:30922/2")
    assert (also_on.kind, [listing.id for listing in also_on.tender.also_on]) == (
        "changed",
        [copy.id],
    )
    handle(
        AlertMatcher(repository), published(copy_now), updated(original_now, 2, ["also_on"])
    )  # a replay
    assert len(repository.alerts()) == 3


def test_a_search_that_heard_of_one_listing_is_not_alerted_by_the_merged_assignment(
    repository, seed_tenders
):
    """Alerted about B while B was its own assignment; B then joins A's (older) assignment: the
    search, matching A now, has heard of this assignment already."""
    repository.save(saved_search("ss_scale_12", pay_scale_min=12, pay_scale_max=12))
    matcher = AlertMatcher(repository)
    later = seed_tenders["31050"]
    handle(matcher, published(later))
    assert alert_ids(repository) == ["ss_scale_12/flextender:31050"]
    older = seed_tenders["30498"].model_copy(update={"status": "open"})
    older_now, later_now = _listed_together(older, later)
    handle(
        matcher,
        updated(older_now, 2, ["also_on"]),
        updated(later_now, 2, ["assignment_id", "also_on"]),
    )
    assert alert_ids(repository) == ["ss_scale_12/flextender:31050"]
