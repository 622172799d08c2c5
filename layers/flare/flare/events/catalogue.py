"""The event catalogue: every event Flare emits, its envelope and what its `data` holds (docs/events.md; the JSON
Schema of each is docs/events/<type>.json, written by `make openapi`).

An event is `{id, type, version, occurred_at, org_id, data}`. `id` is stable: the same change delivered twice is
the same id, the consumer's idempotency key. `version` is the catalogue's: a field is only ever added within a
version. The resource in `data` is what the API answers for it (an incident as `GET /incidents` lists it).
"""

import hashlib
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model
from ulid import ULID

from flare.catalog.models import ServiceOut
from flare.events.types import EventType
from flare.fields import ServiceStatus, Status, Timestamp
from flare.incidents.models import IncidentSummary, Message
from flare.maintenances.models import MaintenanceSummary

CATALOGUE_VERSION = 1


class FieldChange(BaseModel):
    before: Any = Field(description="The value before the change (null: none)")
    after: Any = Field(description="The value after the change (null: none)")


class IncidentData(BaseModel):
    incident: IncidentSummary = Field(description="The incident as the change left it (as GET /incidents lists it)")


class IncidentUpdatedData(IncidentData):
    changes: dict[str, FieldChange] = Field(
        description="Each changed field (title, description, severity, affected_services, tags, metadata, source, "
        "external_id, occurrences, last_seen_at) with its value before and after"
    )


class IncidentStatusChangedData(IncidentData):
    model_config = ConfigDict(populate_by_name=True)

    from_: Status = Field(alias="from")
    to: Status


class MessagePostedData(IncidentData):
    message: Message


class MaintenanceData(BaseModel):
    maintenance: MaintenanceSummary = Field(description="The maintenance as the change left it")


class MaintenanceUpdatedData(MaintenanceData):
    changes: dict[str, FieldChange] = Field(
        description="Each changed field (title, description, affected_services, scheduled_start_at, "
        "scheduled_end_at, auto_start, auto_complete) with its value before and after"
    )


class StatusCause(BaseModel):
    type: Literal["incident", "maintenance"]
    id: str
    change: Literal["added", "removed", "changed"] = Field(
        description="The incident or maintenance began to affect the service, stopped, or changed its severity"
    )
    severity: str | None = Field(None, description="Its severity on the service now (absent once removed)")


class ServiceStatusChangedData(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    service: ServiceOut
    from_: ServiceStatus = Field(alias="from")
    to: ServiceStatus
    cause: list[StatusCause] = Field(description="What moved the status: the incidents and maintenances involved")


# type → (what `data` holds, when it is emitted)
CATALOGUE: dict[str, tuple[type[BaseModel], str]] = {
    "incident.created": (IncidentData, "An incident was filed (draft or published)."),
    "incident.published": (IncidentData, "An incident became public: filed published, or a draft published."),
    "incident.updated": (IncidentUpdatedData, "Fields of an incident changed (a counted repeat included)."),
    "incident.status_changed": (IncidentStatusChangedData, "An incident's status moved (resolving and reopening too)."),
    "incident.message_posted": (MessagePostedData, "A message was posted on an incident's timeline."),
    "incident.resolved": (IncidentData, "An incident was resolved."),
    "incident.reopened": (IncidentData, "A resolved incident was reopened."),
    "incident.deleted": (IncidentData, "An incident was deleted (data: its last state)."),
    "maintenance.scheduled": (MaintenanceData, "A maintenance was scheduled."),
    "maintenance.updated": (MaintenanceUpdatedData, "Fields of a maintenance changed."),
    "maintenance.started": (MaintenanceData, "A maintenance started (by hand or by the scheduler)."),
    "maintenance.completed": (MaintenanceData, "A maintenance completed (by hand or by the scheduler)."),
    "maintenance.cancelled": (MaintenanceData, "A scheduled maintenance was cancelled."),
    "service.status_changed": (
        ServiceStatusChangedData,
        "A service's computed status moved, because an incident or maintenance began, ended or changed.",
    ),
}


class Event(BaseModel):
    """The envelope of every event (data: the type's model, as JSON)."""

    id: str = Field(description="Stable across redeliveries: the consumer's idempotency key (evt_<ULID>)")
    type: EventType
    version: int = Field(CATALOGUE_VERSION, description="The catalogue's version")
    occurred_at: Timestamp = Field(description="When the change was committed")
    org_id: str
    data: dict[str, Any]


def event_id(occurred_at: datetime, key: str) -> str:
    """evt_<ULID>: the change's time (ids sort by it) and 80 bits of the change's stream key (stable)."""
    millis = min(max(int(occurred_at.timestamp() * 1000), 0), 2**48 - 1)
    return "evt_" + str(ULID.from_bytes(millis.to_bytes(6, "big") + hashlib.sha256(key.encode()).digest()[:10]))


def webhook_payload_schema(event_type: str, ref_template: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON Schema of a webhook delivery's body for one type (`{type, timestamp, data}`, Standard Webhooks'
    payload) and the schemas it refers to (by `ref_template`)."""
    data_model, description = CATALOGUE[event_type]
    model = create_model(
        event_type.replace(".", "_") + "_webhook",
        type=(Literal[event_type], ...),
        timestamp=(Timestamp, Field(description="When the change was committed (the event's occurred_at)")),
        data=(data_model, ...),
    )
    schema = model.model_json_schema(by_alias=True, mode="serialization", ref_template=ref_template)
    definitions = schema.pop("$defs", {})
    schema.pop("title", None)
    return schema | {"description": description}, definitions


def resource_of(event: Event) -> str:
    """The id of the record an event is about (an incident, a maintenance or a service): what orders its events."""
    for name in ("incident", "maintenance", "service"):
        if name in event.data:
            return event.data[name]["id"]
    raise ValueError(f"{event.type} names no resource")
