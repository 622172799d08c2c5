"""Keeping every status page's snapshot current: run on the table's change stream, after the change committed, so
it adds nothing to the request that made it.

Each batch of changes rebuilds the snapshot of every page of each organisation it touches, from strongly
consistent reads of the records, reusing from the previous snapshot what this batch did not change. The write is
conditional on the snapshot's revision: of two builds racing, the one that read an older snapshot loses and
builds again on the newer, so no change is lost and the pages converge.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flare import clock
from flare.catalog.port import services as catalog
from flare.catalog.rollup import service_status
from flare.ids import is_id, ulid_bound
from flare.incidents.port import storage as incidents
from flare.maintenances.port import storage as maintenances
from flare.observability import logger
from flare.status_pages.models import StatusPage
from flare.status_pages.port import status_pages as storage
from flare.status_pages.snapshot import (
    MAX_SHOWN_INCIDENTS,
    MAX_SHOWN_MAINTENANCES,
    MAX_SHOWN_UPDATES,
    PublicIncident,
    PublicMaintenance,
    Snapshot,
    build_snapshot,
    public_incident,
    public_maintenance,
    shows_incident,
    shows_maintenance,
)
from flare.store.queries import Filter

MAX_BUILDS = 8  # per page and batch; past it the batch fails and the stream delivers it again
_KINDS = {"INC": "incident", "SVC": "service", "MNT": "maintenance", "SPG": "status_page"}


class NotConverged(Exception):
    """A page's snapshot kept changing under its build: the batch is retried as a whole."""


@dataclass(frozen=True)
class Change:
    """One committed change of a record a status page shows."""

    org_id: str
    kind: str  # incident, service, maintenance, status_page
    record_id: str
    at: datetime
    service_status: str | None = None  # a service's status as this change left it (None: deleted)


def change_of(pk: str, at: datetime, new_image: dict | None) -> Change | None:
    """The change that a stream record of the item keyed `pk` stands for (its timeline entries included); None for
    items no page shows."""
    parts = pk.split("#")
    if len(parts) != 4 or parts[0] != "ORG" or parts[2] not in _KINDS:
        return None
    kind = _KINDS[parts[2]]
    status = None
    if kind == "service" and new_image and new_image.get("SK") == "SERVICE":
        status = service_status((new_image.get("impacts") or {}).values())
    return Change(org_id=parts[1], kind=kind, record_id=parts[3], at=at, service_status=status)


def project(changes: Iterable[Change]) -> int:
    """Rebuild the snapshot of every page of each organisation `changes` touch; how many were rebuilt."""
    by_org: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        by_org[change.org_id].append(change)
    rebuilt = 0
    for org_id, its_changes in by_org.items():
        just_written = {change.record_id for change in its_changes if change.kind == "status_page"}
        for page in storage().pages_of(org_id, just_written):
            rebuilt += rebuild(page, its_changes)
    return rebuilt


def rebuild(page: StatusPage, changes: list[Change]) -> bool:
    """Build and store the page's snapshot; False when the slug is no longer the page's (it moved, or went)."""
    for _attempt in range(MAX_BUILDS):
        stored = storage().snapshot_of(page.slug, consistent=True)
        if stored is None or stored.page_id != page.id:
            return False
        snapshot = _build(page, changes, stored.snapshot, clock.now())
        if storage().save_snapshot(page.slug, page.id, snapshot, stored.revision):
            return True
        logger.info("status page snapshot changed under its build; building again", extra={"page": page.id})
    raise NotConverged(page.id)


def _changed(changes: list[Change], kind: str) -> set[str]:
    return {change.record_id for change in changes if change.kind == kind}


def _build(page: StatusPage, changes: list[Change], previous: Snapshot | None, now: datetime) -> Snapshot:
    org, shown, attached = page.org_id, set(page.service_ids), frozenset(page.attached_incidents)
    services = catalog().get_services(org, page.service_ids)
    active = {record_id for service in services.values() for record_id in service.impacts}
    # A change of the page itself may change what is shown of every record: nothing is reused then.
    reusable = previous if page.id not in _changed(changes, "status_page") else None

    # What this batch changed is read again; what it did not is the previous snapshot's. Only a first build, or a
    # change of the page itself, looks through the window's records for the ones the page shows (a record starts
    # being shown only by a change of its own, which the stream brings). The listed records tell whether the page
    # shows them: only those are read again with their timelines, so a build costs what the page shows.
    since = now - timedelta(days=page.history_days)
    discovered_incidents, discovered_maintenances = set(), set()
    if reusable is None:
        window = ("inc_" + ulid_bound(since, upper=False), "inc_" + ulid_bound(now, upper=True))  # GSI1SK is the id
        listed = incidents().list_incidents(
            org, limit=MAX_SHOWN_INCIDENTS, start=None, id_range=window, where=Filter().compare("published", "=", True)
        )
        discovered_incidents = {i.id for i in listed.items if shows_incident(i, shown, attached)}
        discovered_incidents |= attached
        listed = maintenances().list_maintenances(org, limit=MAX_SHOWN_MAINTENANCES, start=None, where=Filter())
        discovered_maintenances = {m.id for m in listed.items if m.created_at >= since and shows_maintenance(m, shown)}
        discovered_maintenances |= {m.id for m in previous.maintenances} if previous else set()

    incident_ids = {i for i in active if is_id(i, "inc")} | _changed(changes, "incident") | discovered_incidents
    shown_incidents = _refreshed(
        incident_ids,
        {i.id: i for i in reusable.incidents} if reusable else {},
        _changed(changes, "incident"),
        lambda incident_id: _public_incident(org, incident_id, shown, attached),
    )
    maintenance_ids = {m for m in active if is_id(m, "mnt")} | _changed(changes, "maintenance")
    shown_maintenances = _refreshed(
        maintenance_ids | discovered_maintenances,
        {m.id: m for m in reusable.maintenances} if reusable else {},
        _changed(changes, "maintenance"),
        lambda maintenance_id: _public_maintenance(org, maintenance_id, shown),
    )
    observed = [(c.record_id, c.at, c.service_status) for c in changes if c.kind == "service" and c.service_status]
    return build_snapshot(
        page, services, shown_incidents, shown_maintenances, previous=previous, observed=observed, now=now
    )


def _refreshed(ids: set[str], reusable: dict, changed: set[str], read) -> list:
    """The public face of each record: the previous snapshot's where this batch did not change it, else read."""
    faces = []
    for record_id in sorted(ids | set(reusable)):
        face = reusable[record_id] if record_id in reusable and record_id not in changed else read(record_id)
        if face is not None:
            faces.append(face)
    return faces


def _public_incident(org_id: str, incident_id: str, shown: set[str], attached: frozenset[str]) -> PublicIncident | None:
    found = incidents().get_incident(org_id, incident_id, message_limit=MAX_SHOWN_UPDATES)
    return public_incident(found[0], found[1], shown, attached) if found else None


def _public_maintenance(org_id: str, maintenance_id: str, shown: set[str]) -> PublicMaintenance | None:
    found = maintenances().get_maintenance(org_id, maintenance_id, event_limit=MAX_SHOWN_UPDATES)
    return public_maintenance(found[0], found[1], shown) if found else None
