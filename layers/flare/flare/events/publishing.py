"""The table's change stream → events: each put on the EventBridge bus and fanned out to the outbound channels.

Runs after the change committed (PublishEventsFunction), so a request spends nothing on its events and a change that
failed has none. A batch is published as a whole or fails as a whole and is delivered again: events and deliveries
keep their ids, so the bus's consumers and the receivers see a repeat as the same event (at least once).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flare.catalog import services
from flare.events import outbound
from flare.events.catalogue import CATALOGUE, Event, event_id
from flare.events.derivation import Derived, StreamChange, derive
from flare.events.port import bus, queue, records
from flare.incidents import use_cases as incidents
from flare.incidents.models import Incident
from flare.incidents.port import storage as incident_storage
from flare.maintenances import use_cases as maintenances
from flare.observability import logger


@dataclass(frozen=True)
class Published:
    events: int
    deliveries: int


def publish(changes: list[StreamChange]) -> Published:
    derived = [event for change in changes for event in derive(change)]
    events = _dressed(derived)
    if not events:
        return Published(0, 0)
    bus().put_events([event.model_dump(mode="json", by_alias=True) for event in events])
    by_org: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_org[event.org_id].append(event)
    deliveries = [
        message for org_id, its_events in by_org.items() for message in outbound.deliveries_for(org_id, its_events)
    ]
    if deliveries:
        queue().send(deliveries)
    return Published(len(events), len(deliveries))


def _dressed(derived: list[Derived]) -> list[Event]:
    """Each derived event with its resource as the API answers it (per organisation, one read of the services its
    incidents affect and one of those its maintenances do)."""
    by_org: dict[str, list[Derived]] = defaultdict(list)
    for event in derived:
        by_org[event.org_id].append(event)
    dressed: dict[int, Event] = {}
    for org_id, its_events in by_org.items():
        incident_faces = _incident_faces(org_id, its_events)
        maintenance_faces = _faces(
            [e for e in its_events if e.resource == "maintenance"],
            lambda image: records().maintenance_of(image),
            maintenances.summaries,
        )
        for event in its_events:
            if event.resource == "incident":
                face = incident_faces.get(id(event))
                data = None if face is None else {"incident": face}
            elif event.resource == "maintenance":
                data = {"maintenance": maintenance_faces[id(event)]}
            else:
                data = {"service": services.service_out(records().service_of(event.image))}
            if data is None:
                logger.warning(
                    "event dropped: its incident is gone", extra={"type": event.type, "id": event.resource_id}
                )
                continue
            dressed[id(event)] = _event(event, data)
    return [dressed[id(event)] for event in derived if id(event) in dressed]


def _event(derived: Derived, resource: dict[str, Any]) -> Event:
    data_model, _ = CATALOGUE[derived.type]
    details = dict(derived.details)
    if "message" in details:
        details["message"] = records().message_of(details["message"])
    data = data_model.model_validate(resource | details).model_dump(mode="json", by_alias=True)
    at = datetime.fromisoformat(derived.occurred_at)
    return Event(id=event_id(at, derived.key), type=derived.type, occurred_at=at, org_id=derived.org_id, data=data)


def _faces(events: list[Derived], model_of, summaries) -> dict[int, Any]:
    """Each event's record as the API lists it, in one summaries() call (one read of their services)."""
    models = [model_of(event.image) for event in events]
    return {id(event): face for event, face in zip(events, summaries(models), strict=True)}


def _incident_faces(org_id: str, events: list[Derived]) -> dict[int, Any]:
    """The incident of each incident event: its image; for a posted message (whose image does not hold it), the
    incident's last image in this batch, else the incident as stored now."""
    latest: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.resource == "incident" and event.image:
            latest[event.resource_id] = event.image
    models: dict[int, Incident] = {}
    read: dict[str, Incident | None] = {}
    for event in (e for e in events if e.resource == "incident"):
        if event.image:
            models[id(event)] = records().incident_of(event.image)
        elif event.resource_id in latest:
            models[id(event)] = records().incident_of(latest[event.resource_id])
        else:
            if event.resource_id not in read:
                found = incident_storage().get_incident(org_id, event.resource_id, message_limit=0)
                read[event.resource_id] = found[0] if found else None
            if read[event.resource_id] is not None:
                models[id(event)] = read[event.resource_id]
    keys = list(models)
    return dict(zip(keys, incidents.summaries([models[key] for key in keys]), strict=True))
