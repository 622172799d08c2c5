"""Incident use cases: each reads what it must, applies the lifecycle rules, and writes all or nothing."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flare import clock, cursor, services, store
from flare.auth import Caller
from flare.errors import Conflict, NotFound, PreconditionFailed, Unavailable
from flare.ids import is_id, new_id, ulid_bound
from flare.models import (
    CreateIncidentRequest,
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
from flare.preconditions import check_if_match
from flare.retry import back_off
from flare.rules import dedupe, lifecycle
from flare.rules.dedupe import NATIVE, DedupePolicy, Outcome
from flare.rules.lifecycle import IncidentState, service_impact_change
from flare.rules.vocabulary import incident_reference, reference_number

# Optimistic writes retry this often when another writer got there first (then 503, try again later).
MAX_ATTEMPTS = 8


def _state(incident: Incident) -> IncidentState:
    return IncidentState(
        status=incident.status,
        published=incident.published,
        severity=incident.severity,
        affected_services=tuple(incident.affected_services),
        resolved_at=incident.resolved_at,
        reopen_count=incident.reopen_count,
    )


def _with_state(incident: Incident, state: IncidentState) -> Incident:
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


def _summaries(incidents: list[Incident]) -> list[IncidentSummary]:
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
    found = store.incident_id_by_number(caller.org_id, number)
    if found is None:
        raise NotFound(f"no incident {given}")
    return found


def _view(incident: Incident, messages: list[Message]) -> IncidentOut:
    """The whole incident: its summary and its newest messages."""
    (summary,) = _summaries([incident])
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


# ---- create (and dedupe) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filed:
    """What filing a report did: the incident it landed on, and how (rules.dedupe)."""

    incident: Incident
    outcome: Outcome
    # The incident's newest messages when this call read or wrote them; None when it did not (absorbed).
    messages: list[Message] | None


def new_incident(
    caller: Caller,
    now: datetime,
    *,
    title: str,
    severity: str,
    policy: DedupePolicy = NATIVE,
    description: str = "",
    status: str = "investigating",
    publish: bool = False,
    affected_services: list[str] = (),
    source: str | None = None,
    external_id: str | None = None,
    tags: list[str] = (),
    metadata: dict[str, Any] | None = None,
) -> Incident:
    """A new incident as every way of filing one builds it."""
    return Incident(
        id=new_id("inc", now),
        org_id=caller.org_id,
        title=title,
        description=description,
        severity=severity,
        status=status,
        published=publish,
        affected_services=list(affected_services),
        source=source,
        external_id=external_id,
        tags=list(tags),
        metadata=metadata or {},
        created_at=now,
        updated_at=now,
        started_at=now,
        last_seen_at=now,
        published_at=now if publish else None,
        resolved_at=now if status == "resolved" else None,
        created_by=caller.who,
        dedupe_window_until=policy.window_until(now),
        reopen_cooldown_seconds=int(policy.cooldown.total_seconds()),
    )


class _NotReopened(Exception):
    """The incident holding a resolved claim was not reopened by this repeat: `decision` says what instead."""

    def __init__(self, decision: str):
        super().__init__(decision)
        self.decision = decision


def file_incident(
    caller: Caller, draft: Callable[[datetime], tuple[Incident, list[Message]]], *, reopen_note: str
) -> Filed:
    """File a report: a new incident (built by `draft` for the time of the attempt), unless its dedupe key
    points at an incident that takes the repeat (absorbed, or reopened within its cooldown with
    `reopen_note` on the timeline). Exactly once under concurrency: the dedupe claim is a conditional write.
    store.ServiceMissing when the new incident names a service that does not exist."""
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            back_off(attempt)
        incident, messages = draft(clock.now())
        try:
            written = store.create_incident(incident, messages, service_impact_change(None, _state(incident)))
            return Filed(written, "created", messages)
        except store.DuplicateIncident as held:
            repeated = _repeat(caller, held, reopen_note)
            if repeated:
                return repeated
        except store.Stale:
            pass
    raise Unavailable("too many concurrent writers on this incident; try again")


def _repeat(caller: Caller, held: store.DuplicateIncident, reopen_note: str) -> Filed | None:
    """Apply a repeat to the incident holding its key; None when that incident no longer takes it."""
    if not held.resolved:  # the common case
        return absorb(caller, held.incident_id)

    def apply(incident: Incident, now: datetime) -> tuple[Incident, list[Message]]:
        decision = dedupe.on_repeat(
            resolved_at=incident.resolved_at if incident.status == "resolved" else None,
            window_until=incident.dedupe_window_until,
            cooldown=timedelta(seconds=incident.reopen_cooldown_seconds),
            now=now,
        )
        if decision != "reopen":
            raise _NotReopened(decision)
        seen = incident.model_copy(update={"occurrences": incident.occurrences + 1, "last_seen_at": now})
        state = lifecycle.set_status(_state(seen), "investigating", now)
        return _with_state(seen, state), [new_message(caller, incident.id, "investigating", reopen_note, now)]

    try:
        incident, messages = _change(caller, held.incident_id, apply)
    except _NotReopened as not_reopened:
        # Another repeat reopened it meanwhile: count this one without contending for its version.
        return absorb(caller, held.incident_id) if not_reopened.decision == "absorb" else None
    except NotFound:
        return None
    return Filed(incident, "reopened", messages)


def absorb_claimed(caller: Caller, claim: dict[str, Any] | None) -> Filed | None:
    """Count a repeat on the unresolved incident that a dedupe claim (read along with the request's other
    data) names, without first trying to file: one conditional update. None when there is nothing to count
    on; then file_incident decides."""
    if claim and not claim.get("resolved"):
        return absorb(caller, claim["incident_id"])
    return None


def absorb(caller: Caller, incident_id: str) -> Filed | None:
    """Count a repeat on the unresolved incident: one conditional update; None if it no longer takes it."""
    absorbed = store.absorb_repeat(caller.org_id, incident_id, clock.now())
    return Filed(absorbed, "absorbed", None) if absorbed else None


def create_incident(caller: Caller, request: CreateIncidentRequest) -> tuple[IncidentOut, bool]:
    """The new incident and True; or, while an incident holds the same (source, external_id), that incident
    (the repeat counted) and False."""

    def draft(now: datetime) -> tuple[Incident, list[Message]]:
        incident = new_incident(
            caller,
            now,
            **request.model_dump(include={"title", "description", "severity", "status", "affected_services"}),
            publish=request.publish,
            source=request.source,
            external_id=request.external_id,
            tags=request.tags,
            metadata=request.metadata,
        )
        initial = request.initial_message
        return incident, [new_message(caller, incident.id, initial.type, initial.description, now)] if initial else []

    try:
        filed = file_incident(caller, draft, reopen_note="Reported again by its source")
    except store.ServiceMissing as missing:
        raise services.missing(missing.service_id) from None
    return view(caller, filed), filed.outcome == "created"


def view(caller: Caller, filed: Filed) -> IncidentOut:
    """The whole incident that a report landed on (reading its timeline if filing did not)."""
    if filed.messages is None:
        return get_incident(caller, filed.incident.id)
    return _view(filed.incident, filed.messages)


# ---- read ---------------------------------------------------------------------------------------------


def _read(caller: Caller, incident_id: str) -> tuple[Incident, list[Message]]:
    found = store.get_incident(caller.org_id, incident_id) if is_id(incident_id, "inc") else None
    if found is None:
        raise NotFound(f"no incident {incident_id}")
    return found


def get_incident(caller: Caller, incident_id: str) -> IncidentOut:
    return _view(*_read(caller, id_in_path(caller, incident_id)))


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
    where = store.Filter().any_of("status", list(status)).any_of("severity", list(severity))
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
        lambda start: store.query_collection(
            caller.org_id,
            "INCIDENTS",
            limit=limit,
            start=start,
            id_range=id_range,
            where=where,
        ),
    )
    incidents = [store.incident_from_item(item) for item in items]
    return IncidentList(
        incidents=_summaries(incidents),
        next_cursor=next_cursor,
    )


def list_messages(caller: Caller, incident_id: str, *, limit: int, after: str | None) -> MessageList:
    incident_id = id_in_path(caller, incident_id)
    _read(caller, incident_id)
    items, next_cursor = cursor.paged(
        cursor.fingerprint(org=caller.org_id, list="messages", incident=incident_id),
        after,
        lambda start: store.list_messages(caller.org_id, incident_id, limit=limit, start=start),
    )
    return MessageList(messages=[Message.model_validate(item) for item in items], next_cursor=next_cursor)


# ---- change -------------------------------------------------------------------------------------------

# A change takes the incident (and its newest messages) as read, and returns the incident as it should be
# plus the messages it adds; returning the same incident object means "nothing to do".
Change = Callable[[Incident, datetime], tuple[Incident, list[Message]]]


def _change(
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
        impact = service_impact_change(_state(before), _state(after))
        try:
            written = store.save_incident(before, after, new_messages, impact)
        except store.Stale:
            if if_match is not None:
                raise PreconditionFailed("the incident changed since it was read; fetch it and retry") from None
            continue
        except store.ServiceMissing as missing:
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
            state = lifecycle.apply_message(_state(after), message_type, now)
            after = _with_state(after.model_copy(), state)
        return after, messages

    return _view(*_change(caller, incident_id, apply, if_match=if_match))


def add_message(caller: Caller, incident_id: str, request: CreateMessageRequest) -> Message:
    """Post a timeline message. The common case (a non-resolving message on an unresolved incident) is one
    blind conditional write; resolving or reopening reads the incident first."""
    incident_id = id_in_path(caller, incident_id)
    if not is_id(incident_id, "inc"):
        raise NotFound(f"no incident {incident_id}")
    now = clock.now()
    message = new_message(caller, incident_id, request.type, request.description, now)
    if request.type != "resolved" and store.append_message(caller.org_id, message, now):
        return message

    def apply(incident: Incident, now: datetime) -> tuple[Incident, list[Message]]:
        state = lifecycle.apply_message(_state(incident), request.type, now)
        return _with_state(incident.model_copy(), state), [message]

    _change(caller, incident_id, apply)  # answers the message alone: no view, no service statuses to read
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

    return _view(*_change(caller, incident_id, apply))


def resolve(caller: Caller, incident_id: str, description: str) -> tuple[Incident, list[Message]]:
    """Resolve with a `resolved` timeline message. Resolving a resolved incident changes nothing."""

    def apply(incident: Incident, now: datetime) -> tuple[Incident, list[Message]]:
        if incident.status == "resolved":
            return incident, []
        state = lifecycle.set_status(_state(incident), "resolved", now)
        return _with_state(incident, state), [new_message(caller, incident.id, "resolved", description, now)]

    return _change(caller, incident_id, apply)


def resolve_incident(caller: Caller, incident_id: str, request: ResolveIncidentRequest) -> IncidentOut:
    return _view(*resolve(caller, id_in_path(caller, incident_id), request.description))


def delete_incident(caller: Caller, incident_id: str) -> None:
    incident_id = id_in_path(caller, incident_id)
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            back_off(attempt)
        incident, _messages = _read(caller, incident_id)
        try:
            store.delete_incident(incident, service_impact_change(_state(incident), None))
            return
        except store.Stale:
            continue
    raise Unavailable("too many concurrent writers on this incident; try again")
