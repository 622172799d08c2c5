"""Maintenance use cases, and the scheduler's sweep that starts and completes them when they fall due."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flare import clock, cursor
from flare.access.auth import Caller
from flare.catalog import services
from flare.catalog.rollup import impact_change
from flare.errors import Conflict, PreconditionFailed, Unavailable, ValidationFailed
from flare.ids import find_by_id, new_id
from flare.maintenances import rules
from flare.maintenances.models import (
    CreateMaintenanceRequest,
    Maintenance,
    MaintenanceActionRequest,
    MaintenanceEvent,
    MaintenanceList,
    MaintenanceOut,
    MaintenanceSummary,
    UpdateMaintenanceRequest,
)
from flare.maintenances.port import storage
from flare.preconditions import check_if_match
from flare.retry import back_off
from flare.store.errors import ServiceMissing, Stale
from flare.store.queries import Filter

SCHEDULER = "scheduler"
MAX_ATTEMPTS = 8
EVENT_OF_ACTION = {"start": "started", "complete": "completed", "cancel": "cancelled"}
STAMP_OF_ACTION = {"start": "started_at", "complete": "completed_at", "cancel": "cancelled_at"}


def _schedule(maintenance: Maintenance) -> rules.Schedule:
    return rules.Schedule(
        status=maintenance.status,
        scheduled_start_at=maintenance.scheduled_start_at,
        scheduled_end_at=maintenance.scheduled_end_at,
        auto_start=maintenance.auto_start,
        auto_complete=maintenance.auto_complete,
    )


def _due_at(maintenance: Maintenance) -> datetime | None:
    due = rules.due_transition(_schedule(maintenance))
    return due[1] if due else None


def summaries(maintenances: list[Maintenance]) -> list[MaintenanceSummary]:
    if not maintenances:
        return []
    rollup = services.affected_services(
        maintenances[0].org_id, [service for item in maintenances for service in item.affected_services]
    )
    return [
        MaintenanceSummary(
            **item.model_dump(include=set(MaintenanceSummary.model_fields) - {"affected_services"}),
            affected_services=[rollup[service_id] for service_id in item.affected_services],
        )
        for item in maintenances
    ]


def _view(maintenance: Maintenance, timeline: list[MaintenanceEvent]) -> MaintenanceOut:
    (summary,) = summaries([maintenance])
    return MaintenanceOut(**dict(summary), timeline=timeline)


def _event(kind: str, actor: str, at: datetime, message: str | None = None, scheduled_for=None) -> MaintenanceEvent:
    return MaintenanceEvent(
        id=new_id("msg", at), type=kind, message=message, actor=actor, created_at=at, scheduled_for=scheduled_for
    )


def create_maintenance(caller: Caller, request: CreateMaintenanceRequest) -> MaintenanceOut:
    now = clock.now()
    maintenance = Maintenance(
        id=new_id("mnt", now),
        org_id=caller.org_id,
        status="scheduled",
        created_at=now,
        updated_at=now,
        created_by=caller.key_id,
        **request.model_dump(),
    )
    event = _event("scheduled", caller.key_id, now)
    try:
        storage().create_maintenance(maintenance, event, _due_at(maintenance))
    except ServiceMissing as missing:
        raise services.missing(missing.service_id) from None
    return _view(maintenance, [event])


def _read(org_id: str, maintenance_id: str) -> tuple[Maintenance, list[MaintenanceEvent]]:
    return find_by_id(maintenance_id, "mnt", lambda given: storage().get_maintenance(org_id, given), "maintenance")


def get_maintenance(caller: Caller, maintenance_id: str) -> MaintenanceOut:
    return _view(*_read(caller.org_id, maintenance_id))


def list_maintenances(
    caller: Caller,
    *,
    status: list[str],
    service: str | None,
    starts_after: datetime | None,
    starts_before: datetime | None,
    limit: int,
    after: str | None,
) -> MaintenanceList:
    where = Filter().any_of("status", status)
    if service:
        where.contains("affected_services", service)
    # Stored timestamps share one RFC 3339 format, so they compare as strings.
    if starts_after:
        where.compare("scheduled_start_at", ">=", clock.iso(starts_after))
    if starts_before:
        where.compare("scheduled_start_at", "<=", clock.iso(starts_before))
    query = cursor.fingerprint(
        org=caller.org_id,
        list="maintenances",
        status=sorted(set(status)),
        service=service,
        starts_after=starts_after,
        starts_before=starts_before,
    )
    items, next_cursor = cursor.paged(
        query,
        after,
        lambda start: storage().list_maintenances(caller.org_id, limit=limit, start=start, where=where),
    )
    return MaintenanceList(maintenances=summaries(items), next_cursor=next_cursor)


def _save(before: Maintenance, after: Maintenance, events: list[MaintenanceEvent]) -> None:
    impact = impact_change(
        rules.impact(before.status, before.affected_services), rules.impact(after.status, after.affected_services)
    )
    storage().save_maintenance(before, after, events, impact, _due_at(after))


def update_maintenance(
    caller: Caller, maintenance_id: str, request: UpdateMaintenanceRequest, *, if_match: str | None
) -> MaintenanceOut:
    changes = request.model_dump(exclude_unset=True)
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            back_off(attempt)
        before, timeline = _read(caller.org_id, maintenance_id)
        check_if_match(if_match, before.version)
        changed = {name: value for name, value in changes.items() if getattr(before, name) != value}
        if not changed:
            return _view(before, timeline)
        try:
            rules.check_editable(before.status, set(changed))
        except ValueError as refused:
            raise Conflict(str(refused)) from None
        now = clock.now()
        after = before.model_copy(update=changed | {"version": before.version + 1, "updated_at": now})
        if after.scheduled_end_at <= after.scheduled_start_at:
            raise ValidationFailed.of("scheduled_end_at", "must be after scheduled_start_at")
        event = _event("updated", caller.key_id, now, f"changed {', '.join(sorted(changed))}")
        try:
            _save(before, after, [event])
        except Stale:
            if if_match is not None:
                raise PreconditionFailed("the maintenance changed since it was read; fetch it and retry") from None
            continue
        except ServiceMissing as missing:
            raise services.missing(missing.service_id) from None
        return _view(after, [event, *timeline])
    raise Unavailable("too many concurrent writers on this maintenance; try again")


def _transitioned(
    before: Maintenance, action: str, actor: str, now: datetime, message: str | None, scheduled_for=None
) -> tuple[Maintenance, MaintenanceEvent]:
    """The maintenance after `action` at `now` (TransitionRefused when its status does not allow it)."""
    status = rules.next_status(action, before.status)
    after = before.model_copy(
        update={"status": status, STAMP_OF_ACTION[action]: now, "version": before.version + 1, "updated_at": now}
    )
    return after, _event(EVENT_OF_ACTION[action], actor, now, message, scheduled_for)


def by_hand(action: str) -> Callable[[Caller, str, MaintenanceActionRequest], MaintenanceOut]:
    """The manual transition `action` (start, complete or cancel), as its route calls it."""

    def act(caller: Caller, maintenance_id: str, request: MaintenanceActionRequest) -> MaintenanceOut:
        return transition(caller, maintenance_id, action, request.message)

    return act


def transition(caller: Caller, maintenance_id: str, action: str, message: str | None) -> MaintenanceOut:
    """Start, complete or cancel by hand; 409 naming the current status when that is not allowed. Racing the
    scheduler (or another caller), exactly one transition happens: the loser sees the new status."""
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            back_off(attempt)
        before, timeline = _read(caller.org_id, maintenance_id)
        try:
            after, event = _transitioned(before, action, caller.key_id, clock.now(), message)
        except rules.TransitionRefused as refused:
            raise Conflict(str(refused)) from None
        try:
            _save(before, after, [event])
        except Stale:
            continue
        except ServiceMissing as missing:
            raise services.deleted_since(missing.service_id, "maintenance") from None
        return _view(after, [event, *timeline])
    raise Unavailable("too many concurrent writers on this maintenance; try again")


# ---- the scheduler ------------------------------------------------------------------------------------


@dataclass
class SweepReport:
    transitions: list[tuple[str, str]] = field(default_factory=list)  # (maintenance id, action)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (maintenance id, error)


def sweep(now: datetime | None = None) -> SweepReport:
    """Perform every automatic transition due at `now`: start when auto_start and the start time has come,
    complete when auto_complete and the end time has come. A maintenance whose whole window passed while
    nothing ran is started and then completed, both recorded. Each transition is conditional on the version
    read, so overlapping sweeps and manual actions transition each maintenance once. One maintenance failing
    does not stop the others: it is reported."""
    now = now or clock.now()
    report = SweepReport()
    for due in storage().due_maintenances(now):
        try:
            _catch_up(due, now, report)
        except Exception as error:  # noqa: BLE001 - reported per maintenance, the sweep goes on
            report.failures.append((due.id, f"{type(error).__name__}: {error}"))
    return report


def _catch_up(maintenance: Maintenance | None, now: datetime, report: SweepReport) -> None:
    """Perform the due transitions of one maintenance, in order, until none is due."""
    for _ in range(MAX_ATTEMPTS):
        if maintenance is None:
            return
        due = rules.due_transition(_schedule(maintenance))
        if due is None or due[1] > now:
            return
        action, scheduled_for = due
        # Never before the change it follows: `now` is when the sweep began, and a manual action (or the
        # previous step of a catch-up) may be as recent; 1 ms later keeps the timeline in order.
        at = max(now, maintenance.updated_at + timedelta(milliseconds=1))
        after, event = _transitioned(maintenance, action, SCHEDULER, at, None, scheduled_for)
        try:
            _save(maintenance, after, [event])
        except Stale:
            # Someone (a manual action, another sweep) got there first: look again at what is true now.
            found = storage().get_maintenance(maintenance.org_id, maintenance.id, event_limit=0)
            maintenance = found[0] if found else None
            continue
        report.transitions.append((maintenance.id, action))
        maintenance = after
