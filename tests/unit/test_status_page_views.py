"""What a status page shows (status_pages.snapshot) and how (html, statuspage, feeds), decided without storage:
only published incidents on the page's services, only public fields, uptime as it happened, escaped text."""

import json
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import feedparser
import pytest

from flare.catalog.models import Service
from flare.incidents.models import Incident, Message
from flare.maintenances.models import Maintenance, MaintenanceEvent
from flare.status_pages.feeds import atom, rss
from flare.status_pages.html import Pages
from flare.status_pages.models import ComponentGroup, StatusPage
from flare.status_pages.snapshot import (
    build_snapshot,
    public_incident,
    public_maintenance,
    shed,
    uptime_days,
)
from flare.status_pages.statuspage import DOCUMENTS, Documents

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def page(*groups: tuple[str | None, list[str]], **fields) -> StatusPage:
    return StatusPage(
        id="spg_01KAQ60000000000000000000S",
        org_id="org_1",
        slug="acme",
        name=fields.pop("name", "Acme status"),
        description="",
        time_zone=fields.pop("time_zone", "UTC"),
        support_url="",
        components=[ComponentGroup.model_construct(group=name, service_ids=ids) for name, ids in groups],  # short ids,
        show_uptime=True,
        history_days=fields.pop("history_days", 90),
        created_at=NOW - timedelta(days=200),
        updated_at=NOW - timedelta(days=200),
        **fields,
    )


def service(service_id: str, name: str, **impacts: str) -> Service:
    at = NOW - timedelta(days=100)
    return Service(
        id=service_id, org_id="org_1", name=name, description="", impacts=impacts, created_at=at, updated_at=at
    )


def incident(number: int = 1, *, services=("svc_a",), published=True, status="investigating", **fields) -> Incident:
    started = fields.pop("started_at", NOW - timedelta(hours=1))
    return Incident(
        id=f"inc_{number:026d}",
        org_id="org_1",
        title=fields.pop("title", "Checkout is slow"),
        description="internal: the db runs hot on host db-7",
        severity=fields.pop("severity", "major"),
        status=status,
        published=published,
        affected_services=list(services),
        source="alertmanager",
        external_id="secret-fingerprint",
        tags=["team:payments"],
        metadata={"runbook": "https://internal.example/runbook"},
        occurrences=7,
        created_at=started,
        updated_at=fields.pop("updated_at", started),
        started_at=started,
        published_at=started if published else None,
        resolved_at=fields.pop("resolved_at", None),
        number=number,
        **fields,
    )


def message(number: int, kind: str, text: str, minutes: int) -> Message:
    return Message(
        id=f"msg_{number:026d}",
        incident_id="inc_1",
        type=kind,
        description=text,
        created_at=NOW - timedelta(minutes=minutes),
        created_by="key_secret_actor",
    )


def snapshot_of(incidents=(), maintenances=(), *, groups=((None, ["svc_a", "svc_b"]),), services=None, **options):
    services = services or {"svc_a": service("svc_a", "Checkout"), "svc_b": service("svc_b", "Search")}
    the_page = page(*groups)
    shown = set(the_page.service_ids)
    faces = [public_incident(i, messages, shown) for i, messages in incidents]
    planned = [public_maintenance(m, events, shown) for m, events in maintenances]
    return build_snapshot(
        the_page,
        services,
        [f for f in faces if f],
        [m for m in planned if m],
        previous=options.get("previous"),
        observed=options.get("observed", ()),
        now=options.get("now", NOW),
    )


def test_drafts_and_incidents_off_the_page_are_never_shown():
    draft = incident(1, published=False)
    elsewhere = incident(2, services=["svc_other"])
    shown = incident(3, services=["svc_other", "svc_a"])

    snapshot = snapshot_of([(draft, []), (elsewhere, []), (shown, [])])

    assert [i.reference for i in snapshot.incidents] == ["INC-3"]
    assert snapshot.incidents[0].component_ids == ["svc_a"]  # services off the page are not named


def test_only_public_fields_reach_the_snapshot():
    snapshot = snapshot_of([(incident(1), [message(1, "investigating", "Looking into it", 5)])])

    stored = snapshot.model_dump_json()
    for internal in ("db-7", "alertmanager", "secret-fingerprint", "team:payments", "runbook", "key_secret_actor"):
        assert internal not in stored


def test_each_update_carries_the_status_it_left_the_incident_in():
    messages = [
        message(3, "update", "Still working on it", 1),
        message(2, "identified", "A bad deploy", 10),
        message(1, "investigating", "Looking into it", 20),
    ]
    [shown] = snapshot_of([(incident(1, status="identified"), messages)]).incidents

    assert [(u.status, u.body) for u in shown.updates] == [
        ("identified", "Still working on it"),
        ("identified", "A bad deploy"),
        ("investigating", "Looking into it"),
    ]


def test_components_take_their_status_from_active_impacts_and_groups_their_worst_members():
    services = {
        "svc_a": service("svc_a", "Checkout", inc_1="critical"),
        "svc_b": service("svc_b", "Search", mnt_1="maintenance"),
        "svc_c": service("svc_c", "Docs"),
    }
    snapshot = snapshot_of(groups=(("Shop", ["svc_a", "svc_b"]), (None, ["svc_c"])), services=services)

    assert [(c.name, c.status, c.group) for c in snapshot.components] == [
        ("Checkout", "major_outage", "Shop"),
        ("Search", "under_maintenance", "Shop"),
        ("Docs", "operational", None),
    ]
    summary = Documents(snapshot, "https://x.test/status/acme").summary()
    group = next(c for c in summary["components"] if c["group"])
    assert (group["name"], group["status"], group["components"]) == ("Shop", "major_outage", ["svc_a", "svc_b"])
    assert summary["status"] == {"indicator": "critical", "description": "Major System Outage"}


def test_resolved_incidents_leave_the_page_after_its_history_days():
    recent = incident(1, status="resolved", resolved_at=NOW - timedelta(days=10))
    old = incident(2, status="resolved", resolved_at=NOW - timedelta(days=91), started_at=NOW - timedelta(days=92))

    assert [i.reference for i in snapshot_of([(recent, []), (old, [])]).incidents] == ["INC-1"]


def test_uptime_keeps_each_days_worst_and_carries_the_last_status_over_quiet_days():
    yesterday = NOW - timedelta(days=1)
    observed = [
        ("svc_a", yesterday.replace(hour=3), "major_outage"),
        ("svc_a", yesterday.replace(hour=4), "operational"),
        ("svc_b", NOW - timedelta(days=3), "degraded_performance"),
    ]
    snapshot = snapshot_of(observed=observed)
    checkout, search = snapshot.components

    days = dict(uptime_days(checkout, NOW.date(), 5))
    assert days[yesterday.date().isoformat()] == "major_outage"  # an hour's outage marks the day
    assert days[NOW.date().isoformat()] == "operational"
    assert days[(NOW - timedelta(days=4)).date().isoformat()] is None  # before anything was recorded: no data
    # Search went degraded three days ago and nothing changed until today's build saw it operational again.
    quiet = dict(uptime_days(search, NOW.date(), 5))
    assert quiet[(NOW - timedelta(days=2)).date().isoformat()] == "degraded_performance"

    later = snapshot_of(previous=snapshot, now=NOW + timedelta(days=1))
    assert (
        dict(uptime_days(later.components[0], (NOW + timedelta(days=1)).date(), 5))[yesterday.date().isoformat()]
        == "major_outage"
    )  # kept across rebuilds


def test_days_are_the_pages_own_days():
    late_evening_in_tokyo = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)  # 23:30 in Tokyo
    the_page = page((None, ["svc_a"]), time_zone="Asia/Tokyo")
    snapshot = build_snapshot(
        the_page,
        {"svc_a": service("svc_a", "Checkout")},
        [],
        [],
        previous=None,
        observed=[("svc_a", late_evening_in_tokyo, "partial_outage")],
        now=NOW,
    )
    assert snapshot.components[0].days["2026-12-03"][0] == "partial_outage"


def test_maintenances_are_upcoming_then_in_progress_then_history_and_cancelled_ones_say_so():
    def maintenance(number: int, status: str, start: timedelta, **fields) -> Maintenance:
        return Maintenance(
            id=f"mnt_{number:026d}",
            org_id="org_1",
            title=f"Upgrade {number}",
            description="",
            status=status,
            scheduled_start_at=NOW + start,
            scheduled_end_at=NOW + start + timedelta(hours=1),
            auto_start=True,
            auto_complete=True,
            affected_services=["svc_a"],
            created_at=NOW - timedelta(days=1),
            updated_at=NOW - timedelta(days=1),
            **fields,
        )

    cancelled_at = NOW - timedelta(hours=2)
    events = [MaintenanceEvent(id="evt_1", type="cancelled", actor="key_x", created_at=cancelled_at)]
    snapshot = snapshot_of(
        maintenances=[
            (maintenance(1, "scheduled", timedelta(days=2)), []),
            (maintenance(2, "in_progress", -timedelta(minutes=5), started_at=NOW - timedelta(minutes=5)), []),
            (maintenance(3, "cancelled", timedelta(days=1), cancelled_at=cancelled_at), events),
        ]
    )
    documents = Documents(snapshot, "https://x.test/status/acme")
    upcoming = documents.maintenances_document("upcoming")["scheduled_maintenances"]
    active = documents.maintenances_document("active")["scheduled_maintenances"]
    assert [m["name"] for m in upcoming] == ["Upgrade 1"]
    assert [m["name"] for m in active] == ["Upgrade 2"]
    cancelled = next(m for m in documents.maintenances_document()["scheduled_maintenances"] if m["name"] == "Upgrade 3")
    assert cancelled["status"] == "completed"  # Statuspage has no cancelled maintenance
    assert cancelled["incident_updates"][0]["body"] == "Maintenance cancelled."
    assert "actor" not in json.dumps(documents.summary())
    html = Pages(snapshot, "/status/acme", NOW).history_page(None)
    assert "Cancelled" in html


def test_the_statuspage_documents_have_statuspages_fields():
    messages = [message(1, "investigating", "Looking into it", 5)]
    snapshot = snapshot_of([(incident(1), messages)])
    documents = Documents(snapshot, "https://x.test/status/acme")

    summary = documents.summary()
    assert set(summary) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert set(summary["page"]) == {"id", "name", "url", "time_zone", "updated_at"}
    [shown] = summary["incidents"]
    assert {"id", "name", "status", "impact", "shortlink", "incident_updates", "components", "created_at"} <= set(shown)
    assert (shown["impact"], shown["status"]) == ("major", "investigating")
    assert shown["shortlink"] == "https://x.test/status/acme/incidents/INC-1"
    assert shown["incident_updates"][0]["body"] == "Looking into it"
    for name, document in DOCUMENTS.items():
        assert "page" in document(documents), name


def test_text_written_by_users_is_escaped_everywhere():
    hostile = incident(1, title=XSS)
    messages = [message(1, "investigating", XSS, 5)]
    services = {"svc_a": service("svc_a", XSS), "svc_b": service("svc_b", "Search")}
    snapshot = snapshot_of([(hostile, messages)], services=services)

    html = Pages(snapshot, "/status/acme", NOW).status_page()
    assert "<script" not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;" in html
    parser = _Elements()
    parser.feed(html)
    assert "script" not in parser.tags and not any(name.startswith("on") for name in parser.attributes)

    for feed in (atom(snapshot, "https://x.test/status/acme"), rss(snapshot, "https://x.test/status/acme")):
        parsed = feedparser.parse(feed)
        assert not parsed.bozo, parsed.bozo_exception
        assert parsed.entries[0].title == XSS  # as text, not markup


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes |= {name for name, _ in attrs}


def test_a_page_of_20_components_and_5_active_incidents_is_under_50_kb():
    services = {f"svc_{n:02d}": service(f"svc_{n:02d}", f"Component number {n}") for n in range(20)}
    incidents = [
        (
            incident(n, services=[f"svc_{n:02d}"], title=f"Incident {n}: elevated error rates on component {n}"),
            [
                message(n * 10 + k, "update", "We are still investigating the elevated error rates. " * 3, k)
                for k in range(3)
            ],
        )
        for n in range(1, 6)
    ]
    observed = [(f"svc_{n:02d}", NOW - timedelta(days=n * 3), "partial_outage") for n in range(20)]
    snapshot = snapshot_of(incidents, groups=((None, list(services)),), services=services, observed=observed)

    html = Pages(snapshot, "/status/acme", NOW).status_page()
    assert len(html.encode()) <= 50_000, len(html.encode())
    assert html.count('class="bar"') == 20 and html.count("Incident ") >= 5


def test_the_uptime_bar_has_a_text_equivalent():
    observed = [
        ("svc_a", datetime(2026, 12, 1, 9, tzinfo=UTC), "major_outage"),
        ("svc_a", datetime(2026, 12, 1, 10, tzinfo=UTC), "operational"),
    ]
    snapshot = snapshot_of(observed=observed)
    html = Pages(snapshot, "/status/acme", NOW).status_page()
    assert "Last 90 days: Operational on 3 of 4 days with data. 2026-12-01: major outage." in html
    assert "Last 90 days: Operational on the 1 day with data." in html  # Search: seen once, today
    assert 'aria-hidden="true"><i' in html  # the bar itself is decoration for screen readers


def test_a_snapshot_too_big_for_its_item_sheds_its_oldest_history_first():
    resolved = [
        (
            incident(
                n, status="resolved", resolved_at=NOW - timedelta(days=n), started_at=NOW - timedelta(days=n, hours=1)
            ),
            [],
        )
        for n in range(1, 4)
    ]
    snapshot = snapshot_of([*resolved, (incident(9), [])])

    smaller = shed(snapshot)
    assert [i.reference for i in smaller.incidents] == ["INC-9", "INC-1", "INC-2"]
    assert shed(shed(shed(smaller))) is None  # the active incident and its one update stay


@pytest.mark.parametrize("month", ["2026-11", None])
def test_history_is_paged_by_month(month):
    november = incident(
        1,
        status="resolved",
        resolved_at=datetime(2026, 11, 20, tzinfo=UTC),
        started_at=datetime(2026, 11, 20, tzinfo=UTC) - timedelta(hours=1),
    )
    october = incident(
        2,
        status="resolved",
        resolved_at=datetime(2026, 10, 5, tzinfo=UTC),
        started_at=datetime(2026, 10, 5, tzinfo=UTC) - timedelta(hours=1),
        title="October outage",
    )
    snapshot = snapshot_of([(november, []), (october, [])])
    html = Pages(snapshot, "/status/acme", NOW).history_page(month)
    assert "Checkout is slow" in html and "October outage" not in html
    assert 'href="/status/acme/history?month=2026-10"' in html
    assert date(2026, 11, 1).strftime("%Y-%m") in html


def test_an_attached_incident_is_shown_without_the_services_off_the_page():
    elsewhere = incident(5, services=["svc_other"])
    assert public_incident(elsewhere, [], {"svc_a"}) is None
    shown = public_incident(elsewhere, [], {"svc_a"}, frozenset({elsewhere.id}))
    assert shown is not None and shown.component_ids == []
    assert public_incident(incident(6, published=False), [], {"svc_a"}, frozenset({incident(6).id})) is None


def test_a_feed_entry_is_revised_in_place_as_its_incident_changes():
    first = snapshot_of([(incident(1), [message(1, "investigating", "Looking", 30)])])
    later_incident = incident(1, status="identified", updated_at=NOW)
    messages = [message(2, "identified", "Found it", 1), message(1, "investigating", "Looking", 30)]
    later = snapshot_of([(later_incident, messages)])

    before, after = (feedparser.parse(atom(s, "https://x.test/status/acme")).entries for s in (first, later))
    assert [e.id for e in before] == [e.id for e in after]  # the same entry, not a second one
    assert after[0].updated_parsed > before[0].updated_parsed
    assert after[0].summary == "Identified: Found it"
    assert feedparser.parse(rss(later, "https://x.test/status/acme")).entries[0].id == before[0].id
