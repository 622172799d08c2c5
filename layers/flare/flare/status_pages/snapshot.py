"""What a status page shows the public, decided here and nowhere else: the page's snapshot.

The snapshot is rebuilt from the stored records whenever one of them changes (status_pages.projection) and read,
whole, by every public view: one item, whatever the organisation's history. It holds only what is public: titles,
the public timeline messages and their times, the components shown and their statuses. Never an incident's
description, metadata, tags, source, external id, occurrences or who did what.

An incident appears once published (lifecycle active or resolved) and only while it affects one of the page's
services; a maintenance from its creation (upcoming) until it ends, then in history (cancelled ones as cancelled).
Uptime is kept as it happens: per component and day (in the page's time zone) the worst status seen and the last.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from flare.catalog.rollup import SERVICE_STATUSES as WORST_FIRST
from flare.catalog.rollup import service_status
from flare.fields import Timestamp, incident_reference

MAX_SHOWN_INCIDENTS = 100  # active ones first, then the newest resolved within history_days
MAX_SHOWN_MAINTENANCES = 100
MAX_SHOWN_UPDATES = 25  # newest timeline messages of each incident or maintenance
_RANK = {status: rank for rank, status in enumerate(WORST_FIRST)}


class PublicUpdate(BaseModel):
    id: str
    status: str  # the incident's status once this message was posted (an `update` keeps the one before)
    body: str
    created_at: Timestamp


class PublicIncident(BaseModel):
    id: str
    reference: str | None
    title: str
    severity: str
    status: str
    component_ids: list[str]  # of the page's components only
    started_at: Timestamp
    published_at: Timestamp
    updated_at: Timestamp
    resolved_at: Timestamp | None
    updates: list[PublicUpdate]  # newest first

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


class PublicMaintenance(BaseModel):
    id: str
    title: str
    status: Literal["scheduled", "in_progress", "completed", "cancelled"]
    component_ids: list[str]
    scheduled_for: Timestamp
    scheduled_until: Timestamp
    created_at: Timestamp
    updated_at: Timestamp
    started_at: Timestamp | None
    ended_at: Timestamp | None  # completed or cancelled
    updates: list[PublicUpdate]  # newest first

    @property
    def ended(self) -> bool:
        return self.status in ("completed", "cancelled")


class PublicComponent(BaseModel):
    id: str
    name: str
    description: str
    status: str
    group: str | None
    created_at: Timestamp
    updated_at: Timestamp
    # Day (ISO date in the page's time zone) → [worst status that day, last status that day].
    days: dict[str, tuple[str, str]] = {}


class PublicGroup(BaseModel):
    id: str  # stable for as long as its heading is
    name: str
    component_ids: list[str]


class Snapshot(BaseModel):
    page_id: str
    slug: str
    name: str
    description: str
    time_zone: str
    support_url: str
    show_uptime: bool
    history_days: int
    components: list[PublicComponent]  # in the page's order
    groups: list[PublicGroup]
    incidents: list[PublicIncident]  # active first, then newest resolved
    maintenances: list[PublicMaintenance]  # soonest first
    built_at: Timestamp
    updated_at: Timestamp  # the newest change shown

    def incident(self, given: str) -> PublicIncident | None:
        """The incident named by its id or its reference (INC-7, any case)."""
        wanted = given.strip().casefold()
        return next((i for i in self.incidents if wanted in (i.id.casefold(), (i.reference or "").casefold())), None)


def worst(statuses: Iterable[str]) -> str:
    return min(statuses, key=_RANK.__getitem__, default="operational")


def day_of(at: datetime, time_zone: str) -> str:
    return at.astimezone(ZoneInfo(time_zone)).date().isoformat()


def _timeline(entries: list, initial: str, status_after, body_of) -> list[PublicUpdate]:
    """The newest MAX_SHOWN_UPDATES of `entries` (newest first), each with the status it left its record in:
    walking them oldest first, `status_after(entry, status before it)`."""
    status, statuses = initial, {}
    for entry in reversed(entries):
        status = statuses[entry.id] = status_after(entry, status)
    return [
        PublicUpdate(id=entry.id, status=statuses[entry.id], body=body_of(entry), created_at=entry.created_at)
        for entry in entries[:MAX_SHOWN_UPDATES]
    ]


def _on_page(affected_services: list[str], shown_services: set[str]) -> list[str]:
    return [service for service in affected_services if service in shown_services]


def shows_incident(incident, shown_services: set[str], attached: frozenset[str] = frozenset()) -> bool:
    """Whether the page shows the incident: published, and affecting one of its services or `attached` to it."""
    on_page = _on_page(incident.affected_services, shown_services)
    return incident.published and incident.published_at is not None and bool(on_page or incident.id in attached)


def shows_maintenance(maintenance, shown_services: set[str]) -> bool:
    """Whether the page shows the maintenance: it affects one of the page's services."""
    return bool(_on_page(maintenance.affected_services, shown_services))


def public_incident(
    incident, messages: list, shown_services: set[str], attached: frozenset[str] = frozenset()
) -> PublicIncident | None:
    """The public face of an incident (`messages` newest first), or None when the page does not show it."""
    if not shows_incident(incident, shown_services, attached):
        return None
    return PublicIncident(
        id=incident.id,
        reference=incident_reference(incident.number),
        title=incident.title,
        severity=incident.severity,
        status=incident.status,
        component_ids=_on_page(incident.affected_services, shown_services),
        started_at=incident.started_at,
        published_at=incident.published_at,
        updated_at=incident.updated_at,
        resolved_at=incident.resolved_at if incident.status == "resolved" else None,
        # Each message's type sets the status from then on; an `update` keeps the one before.
        updates=_timeline(
            messages,
            "investigating",
            lambda message, before: before if message.type == "update" else message.type,
            lambda message: message.description,
        ),
    )


_EVENT_STATUS = {"scheduled": "scheduled", "started": "in_progress", "completed": "completed", "cancelled": "cancelled"}
_EVENT_TEXT = {
    "scheduled": "Maintenance scheduled.",
    "started": "Maintenance in progress.",
    "completed": "Maintenance completed.",
    "cancelled": "Maintenance cancelled.",
    "updated": "Maintenance rescheduled or changed.",
}


def public_maintenance(maintenance, events: list, shown_services: set[str]) -> PublicMaintenance | None:
    """The public face of a maintenance (`events` newest first), or None when the page does not show it. Event
    actors are internal: only the transition, its message and its time are shown."""
    if not shows_maintenance(maintenance, shown_services):
        return None
    ended = maintenance.completed_at or maintenance.cancelled_at
    return PublicMaintenance(
        id=maintenance.id,
        title=maintenance.title,
        status=maintenance.status,
        component_ids=_on_page(maintenance.affected_services, shown_services),
        scheduled_for=maintenance.scheduled_start_at,
        scheduled_until=maintenance.scheduled_end_at,
        created_at=maintenance.created_at,
        updated_at=maintenance.updated_at,
        started_at=maintenance.started_at,
        ended_at=ended if maintenance.status in ("completed", "cancelled") else None,
        updates=_timeline(
            events,
            "scheduled",
            lambda event, before: _EVENT_STATUS.get(event.type, before),
            lambda event: event.message or _EVENT_TEXT[event.type],
        ),
    )


def still_shown_incident(incident: PublicIncident, now: datetime, history_days: int) -> bool:
    return not incident.resolved or incident.resolved_at >= now - timedelta(days=history_days)


def still_shown_maintenance(maintenance: PublicMaintenance, now: datetime, history_days: int) -> bool:
    return not maintenance.ended or (maintenance.ended_at or now) >= now - timedelta(days=history_days)


def _kept_incidents(incidents: Iterable[PublicIncident]) -> list[PublicIncident]:
    incidents = list(incidents)
    active = sorted((i for i in incidents if not i.resolved), key=lambda i: i.started_at, reverse=True)
    resolved = sorted((i for i in incidents if i.resolved), key=lambda i: i.resolved_at, reverse=True)
    return (active + resolved)[:MAX_SHOWN_INCIDENTS]


def _kept_maintenances(maintenances: Iterable[PublicMaintenance]) -> list[PublicMaintenance]:
    maintenances = list(maintenances)
    open_ = sorted((m for m in maintenances if not m.ended), key=lambda m: m.scheduled_for)
    ended = sorted((m for m in maintenances if m.ended), key=lambda m: m.ended_at, reverse=True)
    return (open_ + ended)[:MAX_SHOWN_MAINTENANCES]


def observe(days: dict[str, tuple[str, str]], day: str, status: str) -> dict[str, tuple[str, str]]:
    """`days` with `status` seen on `day`: that day's worst is the worse of the two, its last is `status`."""
    seen = days.get(day)
    return days | {day: (worst([seen[0], status]) if seen else status, status)}


def build_snapshot(
    page,
    services: dict,
    incidents: Iterable[PublicIncident],
    maintenances: Iterable[PublicMaintenance],
    *,
    previous: Snapshot | None,
    observed: Iterable[tuple[str, datetime, str]] = (),
    now: datetime,
) -> Snapshot:
    """The page's snapshot at `now`. `services`: id → Service (those of the page that exist); `incidents` and
    `maintenances`: the public faces of every candidate (public_incident, public_maintenance); `observed`:
    (service id, when, status) as changes recorded them, for uptime; `previous`: the snapshot it replaces."""
    earliest = (now - timedelta(days=page.history_days)).astimezone(ZoneInfo(page.time_zone)).date().isoformat()
    kept_days = {component.id: component.days for component in (previous.components if previous else [])}
    for service_id, at, status in sorted(observed, key=lambda seen: seen[1]):
        kept_days[service_id] = observe(kept_days.get(service_id, {}), day_of(at, page.time_zone), status)

    components, groups = [], []
    for position, group in enumerate(page.components):
        shown = [services[service_id] for service_id in group.service_ids if service_id in services]
        for service in shown:
            status = service_status(service.impacts.values())
            days = observe(kept_days.get(service.id, {}), day_of(now, page.time_zone), status)
            components.append(
                PublicComponent(
                    id=service.id,
                    name=service.name,
                    description=service.description,
                    status=status,
                    group=group.group,
                    created_at=service.created_at,
                    updated_at=service.updated_at,
                    days={day: seen for day, seen in days.items() if day >= earliest},
                )
            )
        if group.group is not None and shown:
            ids = [service.id for service in shown]
            groups.append(PublicGroup(id=f"{page.id}-g{position}", name=group.group, component_ids=ids))

    shown_incidents = _kept_incidents(i for i in incidents if still_shown_incident(i, now, page.history_days))
    shown_maintenances = _kept_maintenances(
        m for m in maintenances if still_shown_maintenance(m, now, page.history_days)
    )
    changes = [page.updated_at, *(c.updated_at for c in components), *(i.updated_at for i in shown_incidents)]
    changes += [m.updated_at for m in shown_maintenances]
    return Snapshot(
        page_id=page.id,
        slug=page.slug,
        name=page.name,
        description=page.description,
        time_zone=page.time_zone,
        support_url=page.support_url,
        show_uptime=page.show_uptime,
        history_days=page.history_days,
        components=components,
        groups=groups,
        incidents=shown_incidents,
        maintenances=shown_maintenances,
        built_at=now,
        updated_at=max(changes),
    )


def uptime_days(component: PublicComponent, today: date, days: int) -> list[tuple[str, str | None]]:
    """The component's last `days` days, oldest first, each (ISO day, its worst status or None for no data).
    A day with no change recorded kept the status the last change before it left."""
    recorded = sorted(component.days.items())
    shown, last, index = [], None, 0
    for offset in range(days - 1, -1, -1):
        day = (today - timedelta(days=offset)).isoformat()
        while index < len(recorded) and recorded[index][0] < day:
            last = recorded[index][1][1]
            index += 1
        if index < len(recorded) and recorded[index][0] == day:
            shown.append((day, recorded[index][1][0]))
        else:
            shown.append((day, last))
    return shown


def page_status(snapshot: Snapshot) -> str:
    """The page's overall status: its worst component's."""
    return worst(component.status for component in snapshot.components)


def shed(snapshot: Snapshot) -> Snapshot | None:
    """A smaller snapshot for one that does not fit its item: without its oldest history (ended maintenance or
    resolved incident), else with fewer updates per record; None when nothing is left to shed."""
    incidents, maintenances = list(snapshot.incidents), list(snapshot.maintenances)
    ended = [m for m in maintenances if m.ended]
    resolved = [i for i in incidents if i.resolved]
    if ended and (not resolved or ended[-1].ended_at < resolved[-1].resolved_at):
        maintenances.remove(ended[-1])
    elif resolved:
        incidents.remove(resolved[-1])
    elif any(len(record.updates) > 1 for record in [*incidents, *maintenances]):
        incidents = [i.model_copy(update={"updates": i.updates[: max(1, len(i.updates) // 2)]}) for i in incidents]
        maintenances = [
            m.model_copy(update={"updates": m.updates[: max(1, len(m.updates) // 2)]}) for m in maintenances
        ]
    else:
        return None
    return snapshot.model_copy(update={"incidents": incidents, "maintenances": maintenances})
