"""Filing a report: a new incident, or the repeat of one its dedupe key points at (absorbed, or reopened within
its cooldown). One way for every source: POST /incidents, metrics, alert receivers and Slack (dedupe.py has the
rules; the claim is a conditional write, so a burst files exactly once)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flare import clock
from flare.access.auth import Caller
from flare.catalog import services
from flare.errors import NotFound, Unavailable
from flare.ids import new_id
from flare.incidents import dedupe, lifecycle, use_cases
from flare.incidents.dedupe import NATIVE, DedupePolicy, Outcome
from flare.incidents.lifecycle import service_impact_change
from flare.incidents.models import CreateIncidentRequest, Incident, IncidentOut, Message
from flare.incidents.port import storage
from flare.incidents.use_cases import MAX_ATTEMPTS, state_of, with_state
from flare.retry import back_off
from flare.store.errors import DuplicateIncident, ServiceMissing, Stale


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
    ServiceMissing when the new incident names a service that does not exist."""
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            back_off(attempt)
        incident, messages = draft(clock.now())
        try:
            written = storage().create_incident(incident, messages, service_impact_change(None, state_of(incident)))
            return Filed(written, "created", messages)
        except DuplicateIncident as held:
            repeated = _repeat(caller, held, reopen_note)
            if repeated:
                return repeated
        except Stale:
            pass
    raise Unavailable("too many concurrent writers on this incident; try again")


def _repeat(caller: Caller, held: DuplicateIncident, reopen_note: str) -> Filed | None:
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
        state = lifecycle.set_status(state_of(seen), "investigating", now)
        return with_state(seen, state), [use_cases.new_message(caller, incident.id, "investigating", reopen_note, now)]

    try:
        incident, messages = use_cases.change(caller, held.incident_id, apply)
    except _NotReopened as not_reopened:
        # Another repeat reopened it meanwhile: count this one without contending for its version.
        return absorb(caller, held.incident_id) if not_reopened.decision == "absorb" else None
    except NotFound:
        return None
    return Filed(incident, "reopened", messages)


def absorb_claimed(caller: Caller, claim: dedupe.Claim | None) -> Filed | None:
    """Count a repeat on the unresolved incident that a dedupe claim (read along with the request's other
    data) names, without first trying to file: one conditional update. None when there is nothing to count
    on; then file_incident decides."""
    if claim and not claim.resolved:
        return absorb(caller, claim.incident_id)
    return None


def absorb(caller: Caller, incident_id: str) -> Filed | None:
    """Count a repeat on the unresolved incident: one conditional update; None if it no longer takes it."""
    absorbed = storage().absorb_repeat(caller.org_id, incident_id, clock.now())
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
        return incident, [
            use_cases.new_message(caller, incident.id, initial.type, initial.description, now)
        ] if initial else []

    try:
        filed = file_incident(caller, draft, reopen_note="Reported again by its source")
    except ServiceMissing as missing:
        raise services.missing(missing.service_id) from None
    return view(caller, filed), filed.outcome == "created"


def view(caller: Caller, filed: Filed) -> IncidentOut:
    """The whole incident that a report landed on (reading its timeline if filing did not)."""
    if filed.messages is None:
        return use_cases.get_incident(caller, filed.incident.id)
    return use_cases.view_of(filed.incident, filed.messages)
