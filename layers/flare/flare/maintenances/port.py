"""What the maintenance use cases need from storage. flare.store.maintenances provides it in a function."""

from datetime import datetime
from typing import Protocol

from flare.catalog.rollup import ServiceImpactChange
from flare.maintenances.models import Maintenance, MaintenanceEvent
from flare.ports import Port
from flare.store import maintenances as dynamodb
from flare.store.queries import Filter, Page


class MaintenanceStorage(Protocol):
    def create_maintenance(self, maintenance: Maintenance, event: MaintenanceEvent, due_at: datetime | None) -> None:
        """Write a new maintenance with its first event, due for its next automatic transition at `due_at`
        (None: none pending); ServiceMissing when an affected service does not exist."""

    def get_maintenance(
        self, org_id: str, maintenance_id: str, *, event_limit: int = 100
    ) -> tuple[Maintenance, list[MaintenanceEvent]] | None:
        """The maintenance and its newest events (newest first), read strongly consistently."""

    def list_maintenances(self, org_id: str, *, limit: int, start: dict[str, str] | None, where: Filter) -> Page:
        """A newest-first page of Maintenances."""

    def save_maintenance(
        self,
        before: Maintenance,
        after: Maintenance,
        new_events: list[MaintenanceEvent],
        impact: ServiceImpactChange,
        due_at: datetime | None,
    ) -> None:
        """Replace the maintenance if it is still at `before.version` (else Stale), with its events and its
        services' impact."""

    def due_maintenances(self, now: datetime) -> list[Maintenance]:
        """Every maintenance (of every organisation) whose automatic transition is due at `now`, oldest due
        first."""


storage: Port[MaintenanceStorage] = Port(dynamodb)
