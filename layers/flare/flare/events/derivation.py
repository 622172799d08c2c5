"""Which events a committed change stands for: pure, from the item's old and new images on the table's stream.

Events come from what changed, never from what a request meant to do: a write that changes nothing a reader can
see (the same title again, a retried transaction) yields nothing, and a write that fails never reaches the stream.
Each event is keyed by the stream record and its type, so that a record delivered twice yields the same event
ids (`Derived.key`).
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from flare.catalog.rollup import service_status
from flare.maintenances.rules import EDITABLE_WHILE

ChangeKind = Literal["INSERT", "MODIFY", "REMOVE"]

# The incident's fields an `incident.updated` reports; status and publication have events of their own, and
# bookkeeping (version, updated_at) changes with everything. A repeat counted by dedupe is a visible change.
INCIDENT_FIELDS = (
    "title",
    "description",
    "severity",
    "affected_services",
    "tags",
    "metadata",
    "source",
    "external_id",
    "occurrences",
    "last_seen_at",
)
# A maintenance's fields a `maintenance.updated` reports: those a PATCH may change (maintenances.rules).
MAINTENANCE_FIELDS = tuple(sorted(EDITABLE_WHILE["scheduled"]))
MAINTENANCE_TRANSITIONS = {"in_progress": "maintenance.started", "completed": "maintenance.completed"}
MAINTENANCE_TRANSITIONS["cancelled"] = "maintenance.cancelled"


@dataclass(frozen=True)
class StreamChange:
    """One stream record: the item's keys, its images (plain attributes) and when the stream saw it."""

    record_id: str  # the stream record's eventID: stable across redeliveries of the record
    kind: ChangeKind
    pk: str
    sk: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    at: datetime


@dataclass(frozen=True)
class Derived:
    """An event before it is dressed as the API answers: `image` is the record it is about (as the change left
    it; the last image for a deletion), `details` what the type adds (changes, from/to, the message, the cause)."""

    type: str
    org_id: str
    resource: Literal["incident", "maintenance", "service"]
    resource_id: str
    occurred_at: str  # RFC 3339
    image: dict[str, Any]
    key: str
    details: dict[str, Any] = field(default_factory=dict)


def derive(change: StreamChange) -> list[Derived]:
    """The events a stream record stands for, in the order a reader expects them."""
    parts = change.pk.split("#")
    if len(parts) != 4 or parts[0] != "ORG":
        return []
    org_id, kind, record = parts[1], parts[2], parts[3]
    if kind == "INC" and change.sk == "INCIDENT":
        return _incident(change, org_id, record)
    if kind == "INC" and change.sk.startswith("#MSG#"):
        return _message(change, org_id, record)
    if kind == "MNT" and change.sk == "MAINTENANCE":
        return _maintenance(change, org_id, record)
    if kind == "SVC" and change.sk == "SERVICE":
        return _service(change, org_id, record)
    return []


def _event(
    change: StreamChange,
    kind: str,
    org_id: str,
    resource: str,
    record: str,
    image: dict,
    at: str | None = None,
    **details,
) -> Derived:
    return Derived(
        type=kind,
        org_id=org_id,
        resource=resource,
        resource_id=record,
        occurred_at=at or image.get("updated_at") or _iso(change.at),
        image=image,
        key=f"{change.record_id}:{kind}",
        details=details,
    )


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _value(image: dict[str, Any], name: str) -> Any:
    value = image.get(name)
    if name == "metadata" and isinstance(value, str):  # stored as JSON text (store.incidents)
        return json.loads(value or "{}")
    if isinstance(value, set):
        return sorted(value)
    return value


def changed_fields(old: dict[str, Any], new: dict[str, Any], names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """{field: {before, after}} for each of `names` whose value differs between the images."""
    changes = {}
    for name in names:
        before, after = _value(old, name), _value(new, name)
        if before != after:
            changes[name] = {"before": before, "after": after}
    return changes


def _incident(change: StreamChange, org_id: str, record: str) -> list[Derived]:
    old, new = change.old, change.new
    if change.kind == "REMOVE" or new is None:
        return [_event(change, "incident.deleted", org_id, "incident", record, old or {})] if old else []
    event = lambda kind, **details: _event(change, kind, org_id, "incident", record, new, **details)  # noqa: E731
    if change.kind == "INSERT" or old is None:
        return [event("incident.created")] + ([event("incident.published")] if new.get("published") else [])
    events = []
    if not old.get("published") and new.get("published"):
        events.append(event("incident.published"))
    before, after = old.get("status"), new.get("status")
    if before != after:
        events.append(event("incident.status_changed", **{"from": before, "to": after}))
        if after == "resolved":
            events.append(event("incident.resolved"))
        elif before == "resolved":
            events.append(event("incident.reopened"))
    if changes := changed_fields(old, new, INCIDENT_FIELDS):
        events.append(event("incident.updated", changes=changes))
    return events


def _message(change: StreamChange, org_id: str, record: str) -> list[Derived]:
    """A message is posted when it is written (deleting an incident removes its messages: that is no event). The
    message's image does not hold its incident, which the publisher reads (`image` is left empty)."""
    if change.kind != "INSERT" or change.new is None:
        return []
    message = change.new
    return [
        _event(
            change,
            "incident.message_posted",
            org_id,
            "incident",
            record,
            {},
            message.get("created_at"),
            message=message,
        )
    ]


def _maintenance(change: StreamChange, org_id: str, record: str) -> list[Derived]:
    old, new = change.old, change.new
    if new is None:  # maintenances are not deleted by the API
        return []
    event = lambda kind, **details: _event(change, kind, org_id, "maintenance", record, new, **details)  # noqa: E731
    if change.kind == "INSERT" or old is None:
        return [event("maintenance.scheduled")]
    events = []
    if old.get("status") != new.get("status") and new.get("status") in MAINTENANCE_TRANSITIONS:
        events.append(event(MAINTENANCE_TRANSITIONS[new["status"]]))
    if changes := changed_fields(old, new, MAINTENANCE_FIELDS):
        events.append(event("maintenance.updated", changes=changes))
    return events


def _impacts(image: dict[str, Any] | None) -> dict[str, str]:
    return dict((image or {}).get("impacts") or {})


def _service(change: StreamChange, org_id: str, record: str) -> list[Derived]:
    """The service's computed status moved: from what, to what, and which incidents and maintenances moved it."""
    before, after = _impacts(change.old), _impacts(change.new)
    status_before, status_after = service_status(before.values()), service_status(after.values())
    if change.new is None or status_before == status_after:
        return []
    cause = [
        {"type": "incident" if record_id.startswith("inc_") else "maintenance", "id": record_id, "change": how}
        | ({"severity": after[record_id]} if record_id in after else {})
        for record_id in sorted(before.keys() | after.keys())
        if (how := _how(before.get(record_id), after.get(record_id)))
    ]
    return [
        _event(
            change,
            "service.status_changed",
            org_id,
            "service",
            record,
            change.new,
            **{"from": status_before, "to": status_after, "cause": cause},
        )
    ]


def _how(before: str | None, after: str | None) -> str | None:
    if before == after:
        return None
    return "added" if before is None else "removed" if after is None else "changed"
