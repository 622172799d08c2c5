"""Incident use cases: each reads what it must, applies the lifecycle rules, and writes all or nothing."""

from collections.abc import Callable
from datetime import datetime

from flare import clock, cursor
from flare.access.auth import Caller
from flare.catalog import services
from flare.errors import Conflict, NotFound, PreconditionFailed, Unavailable
from flare.fields import incident_reference, reference_number
from flare.ids import find_by_id, is_id, new_id, ulid_bound
from flare.incidents import lifecycle
from flare.incidents.lifecycle import IncidentState, service_impact_change
from flare.incidents.models import (
    CreateMessageRequest,
    Incident,
    IncidentList,
    IncidentOut,
    IncidentSummary,
    Message,
    MessageList,
    ResolveIncidentRequest,
    UpdateIncidentRequest,
)
from flare.incidents.port import storage
from flare.preconditions import check_if_match
from flare.retry import back_off
from flare.store.errors import ServiceMissing, Stale
from flare.store.queries import Filter

# Optimistic writes retry this often when another writer got there first (then 503, try again later).
MAX_ATTEMPTS = 8


def state_of(incident: Incident) -> IncidentState:
    return IncidentState(
        status=incident.status,
        published=incident.published,
        severity=incident.severity,
        affected_services=tuple(incident.affected_services),
        resolved_at=incident.resolved_at,
        reopen_count=incident.reopen_count,
    )


def with_state(incident: Incident, state: IncidentState) -> Incident:
    return incident.model_copy(
        update={
            "status": state.status,
            "published": state.published,
            "severity": state.severity,
            "affected_services": list(state.affected_services),
            "resolved_at": state.resolved_at,
            "reopen_count": state.reopen_count,
        }
    )


def summaries(incidents: list[Incident]) -> list[IncidentSummary]:
    """Incidents as lists show them, each affected service with its current status."""
    if not incidents:
        return []
    rollup = services.affected_services(
        incidents[0].org_id, [service for incident in incidents for service in incident.affected_services]
    )
    return [
        IncidentSummary(
            **incident.model_dump(include=set(IncidentSummary.model_fields) - {"affected_services"}),
            reference=incident_reference(incident.number),
            lifecycle=lifecycle.lifecycle(incident.status, incident.published),
            affected_services=[rollup[service_id] for service_id in incident.affected_services],
        )
        for incident in incidents
    ]


def id_in_path(caller: Caller, given: str) -> str:
    """The id of the incident that a path names, by id or by reference (INC-42, any case); 404 for an unknown
    reference."""
    number = reference_number(given)
    if number is None:
        return given
    found = storage().incident_id_by_number(caller.org_id, number)
    if found is None:
        raise NotFound(f"no incident {given}")
    return found


def view_of(incident: Incident, messages: list[Message]) -> IncidentOut:
    """The whole incident: its summary and its newest messages."""
    (summary,) = summaries([incident])
    return IncidentOut(**dict(summary), messages=messages)


def new_message(caller: Caller, incident_id: str, message_type: str, description: str, at: datetime) -> Message:
    return Message(
        id=new_id("msg", at),
        incident_id=incident_id,
        type=message_type,
        description=description,
        created_at=at,
        created_by=caller.key_id,
    )


# ---- read ---------------------------------------------------------------------------------------------


def _read(caller: Caller, incident_id: str) -> tuple[Incident, list[Message]]:
    return find_by_id(incident_id, "inc", lambda given: storage().get_incident(caller.org_id, given), "incident")


def get_incident(caller: Caller, incident_id: str) -> IncidentOut:
    return view_of(*_read(caller, id_in_path(caller, incident_id)))


def list_incidents(
    caller: Caller,
    *,
    status: list[str] = (),
    severity: list[str] = (),
    lifecycle_filter: str | None = None,
    service: str | None = None,
    tag: str | None = None,
    source: str | None = None,
    external_id: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    limit: int = 50,
    after: str | None = None,
) -> IncidentList:
    where = Filter().any_of("status", list(status)).any_of("severity", list(severity))
    if lifecycle_filter == "resolved":
        where.compare("status", "=", "resolved")
    elif lifecycle_filter:  # draft or active: unresolved, and published or not
        where.compare("status", "<>", "resolved").compare("published", "=", lifecycle_filter == "active")
    if service:
        where.contains("affected_services", service)
    if tag:
        where.contains("tags", tag)
    if source:
        where.compare("source", "=", source)
    if external_id:
        where.compare("external_id", "=", external_id)
    id_range = None
    if created_after or created_before:
        low = "inc_" + ulid_bound(created_after, upper=False) if created_after else "inc_"
        high = "inc_" + ulid_bound(created_before, upper=True) if created_before else "inc_~"
        id_range = (low, high)

    query = cursor.fingerprint(
        org=caller.org_id,
        list="incidents",
        status=sorted(set(status)),
        severity=sorted(set(severity)),
        lifecycle=lifecycle_filter,
        service=service,
        tag=tag,
        source=source,
        external_id=external_id,
        created_after=created_after,
        created_before=created_before,
    )
    items, next_cursor = cursor.paged(
        query,
        after,
        lambda start: storage().list_incidents(caller.org_id, limit=limit, start=start, id_range=id_range, where=where),
    )
    return IncidentList(incidents=summaries(items), next_cursor=next_cursor)


def list_messages(caller: Caller, incident_id: str, *, limit: int, after: str | None) -> MessageList:
    incident_id = id_in_path(caller, incident_id)
    _read(caller, incident_id)
    items, next_cursor = cursor.paged(
        cursor.fingerprint(org=caller.org_id, list="messages", incident=incident_id),
        after,
        lambda start: storage().list_messages(caller.org_id, incident_id, limit=limit, start=start),
    )
    return MessageList(messages=items, next_cursor=next_cursor)


# ---- change -------------------------------------------------------------------------------------------

# A change takes the incident (and its newest messages) as read, and returns the incident as it should be
# plus the messages it adds; returning the same incident object means "nothing to do".
Change = Callable[[Incident, datetime], tuple[Incident, list[Message]]]


def change(
    caller: Caller, incident_id: str, change: Change, *, if_match: str | None = None
) -> tuple[Incident, list[Message]]:
    """Read, apply `change`, write conditionally on the version read; retry when another writer won (or 412
    when the client pinned the version with If-Match). The incident as written and its newest messages."""
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            back_off(attempt)
        before, messages = _read(caller, incident_id)
        check_if_match(if_match, before.version)
        now = clock.now()
        after, new_messages = change(before, now)
        if after is before:
            return before, messages
        after = after.model_copy(update={"version": before.version + 1, "updated_at": now})
        impact = service_impact_change(state_of(before), state_of(after))
        try:
            written = storage().save_incident(before, after, new_messages, impact)
        except Stale:
            if if_match is not None:
                raise PreconditionFailed("the incident changed since it was read; fetch it and retry") from None
            continue
        except ServiceMissing as missing:
            if missing.service_id not in before.affected_services:
                raise services.missing(missing.service_id) from None  # the client just named it
            raise services.deleted_since(missing.service_id, "incident") from None
        return written, list(reversed(new_messages)) + messages
    raise Unavailable("too many concurrent writers on this incident; try again")


def update_incident(
    caller: Caller, incident_id: str, request: UpdateIncidentRequest, *, if_match: str | None
) -> IncidentOut:
    incident_id = id_in_path(caller, incident_id)
    fields = request.model_dump(exclude_unset=True, exclude={"status", "message"})

    def apply(incident: Incident, now: datetime) -> tuple[Incident, list[Message]]:
        changed = {name: value for name, value in fields.items() if getattr(incident, name) != value}
        after = incident.model_copy(update=changed) if changed else incident
        messages = []
        if request.message is not None:
            message_type = request.status or "update"
            messages.append(new_message(caller, incident.id, message_type, request.message, now))
            state = lifecycle.apply_message(state_of(after), message_type, now)
            after = with_state(after.model_copy(), state)
        return after, messages

    return view_of(*change(caller, incident_id, apply, if_match=if_match))


def add_message(caller: Caller, incident_id: str, request: CreateMessageRequest) -> Message:
    """Post a timeline message. The common case (a non-resolving message on an unresolved incident) is one
    blind conditional write; resolving or reopening reads the incident first."""
    incident_id = id_in_path(caller, incident_id)
    if not is_id(incident_id, "inc"):
        raise NotFound(f"no incident {incident_id}")
    now = clock.now()
    message = new_message(caller, incident_id, request.type, request.description, now)
    if request.type != "resolved" and storage().append_message(caller.org_id, message, now):
        return message

    def apply(incident: Incident, now: datetime) -> tuple[Incident, list[Message]]:
        state = lifecycle.apply_message(state_of(incident), request.type, now)
        return with_state(incident.model_copy(), state), [message]

    change(caller, incident_id, apply)  # answers the message alone: no view, no service statuses to read
    return message


def publish_incident(caller: Caller, incident_id: str) -> IncidentOut:
    """Draft → active. Publishing an active incident changes nothing; a resolved draft cannot be published."""
    incident_id = id_in_path(caller, incident_id)

    def apply(incident: Incident, now: datetime) -> tuple[Incident, list[Message]]:
        if incident.published:
            return incident, []
        if incident.status == "resolved":
            raise Conflict("the incident is resolved; reopen it with a message before publishing it")
        return incident.model_copy(update={"published": True, "published_at": now}), []

    return view_of(*change(caller, incident_id, apply))


def resolve(caller: Caller, incident_id: str, description: str) -> tuple[Incident, list[Message]]:
    """Resolve with a `resolved` timeline message. Resolving a resolved incident changes nothing."""

    def apply(incident: Incident, now: datetime) -> tuple[Incident, list[Message]]:
        if incident.status == "resolved":
            return incident, []
        state = lifecycle.set_status(state_of(incident), "resolved", now)
        return with_state(incident, state), [new_message(caller, incident.id, "resolved", description, now)]

    return change(caller, incident_id, apply)


def resolve_incident(caller: Caller, incident_id: str, request: ResolveIncidentRequest) -> IncidentOut:
    return view_of(*resolve(caller, id_in_path(caller, incident_id), request.description))


def delete_incident(caller: Caller, incident_id: str) -> None:
    incident_id = id_in_path(caller, incident_id)
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            back_off(attempt)
        incident, _messages = _read(caller, incident_id)
        try:
            storage().delete_incident(incident, service_impact_change(state_of(incident), None))
            return
        except Stale:
            continue
    raise Unavailable("too many concurrent writers on this incident; try again")
