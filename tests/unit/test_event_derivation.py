"""Which events a committed change stands for (events.derivation): from the item's images, never from intent."""

import json
from datetime import UTC, datetime

import pytest

from flare.events.derivation import StreamChange, derive

ORG, INC, MNT, SVC = (
    "org_1",
    "inc_01KAQ60000000000000000000A",
    "mnt_01KAQ60000000000000000000B",
    "svc_01KAQ6000000000000000000C",
)
AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def incident(**changes) -> dict:
    image = {
        "id": INC,
        "title": "Checkout down",
        "description": "",
        "severity": "major",
        "status": "investigating",
        "published": False,
        "affected_services": [],
        "tags": [],
        "metadata": "{}",
        "occurrences": 1,
        "version": 1,
        "updated_at": "2026-12-01T10:00:00.000Z",
    }
    return image | changes


def change(kind, old, new, sk="INCIDENT", pk=f"ORG#{ORG}#INC#{INC}", record="r1") -> StreamChange:
    return StreamChange(record_id=record, kind=kind, pk=pk, sk=sk, old=old, new=new, at=AT)


def types(events) -> list[str]:
    return [event.type for event in events]


def test_a_new_draft_is_created_only_and_a_new_published_incident_is_created_then_published():
    assert types(derive(change("INSERT", None, incident()))) == ["incident.created"]
    assert types(derive(change("INSERT", None, incident(published=True)))) == [
        "incident.created",
        "incident.published",
    ]


def test_publishing_a_draft_is_published_and_nothing_else():
    old, new = incident(), incident(published=True, version=2, updated_at="2026-12-01T10:01:00.000Z")
    assert types(derive(change("MODIFY", old, new))) == ["incident.published"]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("investigating", "identified", ["incident.status_changed"]),
        ("monitoring", "resolved", ["incident.status_changed", "incident.resolved"]),
        ("resolved", "investigating", ["incident.status_changed", "incident.reopened"]),
    ],
)
def test_status_moves(before, after, expected):
    events = derive(change("MODIFY", incident(status=before), incident(status=after, version=2)))
    assert types(events) == expected
    assert events[0].details == {"from": before, "to": after}


def test_updated_names_each_changed_field_with_before_and_after():
    old = incident(metadata=json.dumps({"a": 1}), tags=["x"])
    new = incident(title="Checkout slow", metadata=json.dumps({"a": 2}), tags=["x"], version=2)
    (event,) = derive(change("MODIFY", old, new))
    assert event.type == "incident.updated"
    assert event.details["changes"] == {
        "title": {"before": "Checkout down", "after": "Checkout slow"},
        "metadata": {"before": {"a": 1}, "after": {"a": 2}},
    }


def test_a_counted_repeat_is_an_update_of_occurrences():
    old, new = incident(), incident(occurrences=2, last_seen_at="2026-12-01T10:02:00.000Z", version=2)
    (event,) = derive(change("MODIFY", old, new))
    assert set(event.details["changes"]) == {"occurrences", "last_seen_at"}


def test_a_write_that_changes_nothing_visible_yields_nothing():
    old = incident()
    new = incident(version=2, updated_at="2026-12-01T10:05:00.000Z")  # bookkeeping only
    assert derive(change("MODIFY", old, new)) == []


def test_a_deleted_incident_is_deleted_with_its_last_image():
    (event,) = derive(change("REMOVE", incident(status="resolved"), None))
    assert event.type == "incident.deleted" and event.image["status"] == "resolved"


def test_a_message_written_is_posted_and_a_message_removed_with_its_incident_is_nothing():
    message = {"id": "msg_1", "incident_id": INC, "type": "identified", "created_at": "2026-12-01T10:03:00.000Z"}
    (event,) = derive(change("INSERT", None, message, sk="#MSG#msg_1"))
    assert event.type == "incident.message_posted" and event.details["message"] == message
    assert event.occurred_at == "2026-12-01T10:03:00.000Z"
    assert derive(change("REMOVE", message, None, sk="#MSG#msg_1")) == []


def maintenance(**changes) -> dict:
    image = {
        "id": MNT,
        "title": "DB upgrade",
        "description": "",
        "status": "scheduled",
        "affected_services": [],
        "scheduled_start_at": "2026-12-02T10:00:00.000Z",
        "scheduled_end_at": "2026-12-02T11:00:00.000Z",
        "auto_start": True,
        "auto_complete": True,
        "updated_at": "2026-12-01T10:00:00.000Z",
    }
    return image | changes


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("scheduled", "in_progress", "maintenance.started"),
        ("in_progress", "completed", "maintenance.completed"),
        ("scheduled", "cancelled", "maintenance.cancelled"),
    ],
)
def test_maintenance_transitions(before, after, expected):
    pk = f"ORG#{ORG}#MNT#{MNT}"
    events = derive(change("MODIFY", maintenance(status=before), maintenance(status=after), sk="MAINTENANCE", pk=pk))
    assert types(events) == [expected]


def test_maintenance_scheduled_and_updated():
    pk = f"ORG#{ORG}#MNT#{MNT}"
    assert types(derive(change("INSERT", None, maintenance(), sk="MAINTENANCE", pk=pk))) == ["maintenance.scheduled"]
    later = maintenance(scheduled_end_at="2026-12-02T12:00:00.000Z")
    (event,) = derive(change("MODIFY", maintenance(), later, sk="MAINTENANCE", pk=pk))
    assert event.type == "maintenance.updated"
    assert event.details["changes"] == {
        "scheduled_end_at": {"before": "2026-12-02T11:00:00.000Z", "after": "2026-12-02T12:00:00.000Z"}
    }


def service(impacts: dict) -> dict:
    return {"id": SVC, "name": "Checkout", "impacts": impacts, "updated_at": "2026-12-01T10:00:00.000Z"}


def test_a_service_whose_status_moves_says_from_to_and_what_moved_it():
    pk = f"ORG#{ORG}#SVC#{SVC}"
    (event,) = derive(change("MODIFY", service({}), service({INC: "critical"}), sk="SERVICE", pk=pk))
    assert event.type == "service.status_changed"
    assert event.details["from"] == "operational" and event.details["to"] == "major_outage"
    assert event.details["cause"] == [{"type": "incident", "id": INC, "change": "added", "severity": "critical"}]


def test_a_service_impact_that_does_not_move_its_status_yields_nothing():
    pk = f"ORG#{ORG}#SVC#{SVC}"
    worse = {INC: "critical"}
    assert derive(change("MODIFY", service(worse), service(worse | {MNT: "maintenance"}), sk="SERVICE", pk=pk)) == []


def test_other_items_yield_nothing():
    assert derive(change("INSERT", None, {"x": 1}, sk="DEDUPE", pk=f"ORG#{ORG}#DEDUPE#abc")) == []
    assert derive(change("MODIFY", {}, {}, sk="2026", pk="RATE#key")) == []


def test_the_same_record_keys_its_events_the_same_and_another_record_differently():
    first = derive(change("INSERT", None, incident(published=True), record="r1"))
    again = derive(change("INSERT", None, incident(published=True), record="r1"))
    other = derive(change("INSERT", None, incident(published=True), record="r2"))
    assert [e.key for e in first] == [e.key for e in again]
    assert len({e.key for e in first + other}) == 4


def test_the_catalogue_describes_every_type_a_subscription_may_name():
    from flare.events.catalogue import CATALOGUE
    from flare.events.types import EVENT_TYPES

    assert tuple(CATALOGUE) == EVENT_TYPES
