"""Maintenances, their timeline, and the schedule index the scheduler sweeps."""

from datetime import datetime
from typing import Any

from flare.catalog.rollup import ServiceImpactChange
from flare.clock import iso
from flare.maintenances.models import Maintenance, MaintenanceEvent
from flare.store.client import client, table_name
from flare.store.codec import from_item, record, values
from flare.store.errors import ConditionFailed, Stale
from flare.store.keys import (
    EVENT_SK_PREFIX,
    GSI2,
    MAINTENANCE_SK,
    SCHEDULE_PK,
    list_pk,
    maintenance_pk,
    schedule_sk,
)
from flare.store.queries import Filter, Page, query_collection, record_and_timeline
from flare.store.services import NO_IMPACT, raise_if_service_missing, record_impact
from flare.store.transactions import Transaction


def maintenance_item(maintenance: Maintenance, due_at: datetime | None) -> dict[str, Any]:
    attributes = record(maintenance) | {
        "PK": maintenance_pk(maintenance.org_id, maintenance.id),
        "SK": MAINTENANCE_SK,
        "GSI1PK": list_pk(maintenance.org_id, "MAINTENANCES"),
        "GSI1SK": maintenance.id,
        "kind": "maintenance",
    }
    if due_at is not None:
        # The sparse schedule index: present only while an automatic transition is pending.
        attributes |= {"GSI2PK": SCHEDULE_PK, "GSI2SK": schedule_sk(iso(due_at), maintenance.org_id, maintenance.id)}
    return attributes


def _add_events(transaction: Transaction, org_id: str, maintenance_id: str, events: list[MaintenanceEvent]) -> None:
    for event in events:
        item = record(event) | {
            "PK": maintenance_pk(org_id, maintenance_id),
            "SK": EVENT_SK_PREFIX + event.id,
            "kind": "maintenance_event",
        }
        transaction.put(f"event:{event.id}", item)


def create_maintenance(maintenance: Maintenance, event: MaintenanceEvent, due_at: datetime | None) -> None:
    org = maintenance.org_id
    transaction = Transaction().put("maintenance", maintenance_item(maintenance, due_at), "attribute_not_exists(PK)")
    _add_events(transaction, org, maintenance.id, [event])
    record_impact(transaction, org, maintenance.id, NO_IMPACT, maintenance.affected_services)
    try:
        transaction.commit()
    except ConditionFailed as failure:
        raise_if_service_missing(failure)
        raise


def get_maintenance(
    org_id: str, maintenance_id: str, *, event_limit: int = 100
) -> tuple[Maintenance, list[MaintenanceEvent]] | None:
    """The maintenance and its newest timeline entries, in one Query."""
    items = record_and_timeline(maintenance_pk(org_id, maintenance_id), MAINTENANCE_SK, event_limit)
    if items is None:
        return None
    return Maintenance.model_validate(items[0]), [MaintenanceEvent.model_validate(item) for item in items[1:]]


def list_maintenances(org_id: str, *, limit: int, start: dict[str, str] | None, where: Filter) -> Page:
    """A newest-first page of the organisation's maintenances matching `where`."""
    page = query_collection(org_id, "MAINTENANCES", limit=limit, start=start, where=where)
    return Page([Maintenance.model_validate(item) for item in page.items], page.next_position)


def save_maintenance(
    before: Maintenance,
    after: Maintenance,
    new_events: list[MaintenanceEvent],
    impact: ServiceImpactChange,
    due_at: datetime | None,
) -> None:
    """Replace the maintenance if it is still at `before.version` (so a manual start racing the scheduler,
    or two sweeps, transition it once), with its timeline entries and its services' impact."""
    org = after.org_id
    transaction = Transaction().put(
        "maintenance", maintenance_item(after, due_at), "version = :version", values={":version": before.version}
    )
    _add_events(transaction, org, after.id, new_events)
    record_impact(transaction, org, after.id, impact, set(after.affected_services) - set(before.affected_services))
    try:
        transaction.commit()
    except ConditionFailed as failure:
        if failure.label == "maintenance":
            raise Stale() from None
        raise_if_service_missing(failure)
        raise


def due_maintenances(now: datetime) -> list[Maintenance]:
    """Every maintenance whose automatic transition is due at `now`, oldest due first: a Query on the sparse
    schedule index, so it reads the due maintenances and nothing else."""
    request: dict[str, Any] = {
        "TableName": table_name(),
        "IndexName": GSI2,
        "KeyConditionExpression": "GSI2PK = :pk AND GSI2SK < :bound",
        # '$' sorts just after '#', so every key due at or before this millisecond is below the bound.
        "ExpressionAttributeValues": values({":pk": SCHEDULE_PK, ":bound": f"{iso(now)}$"}),
    }
    due = []
    while True:
        response = client().query(**request)
        due += [Maintenance.model_validate(from_item(item)) for item in response.get("Items", [])]
        if "LastEvaluatedKey" not in response:
            return due
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
