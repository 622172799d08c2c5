"""What the catalog's use cases need from storage: services (flare.store.services) and metrics
(flare.store.metrics) in a function."""

from collections.abc import Iterable
from typing import Protocol

from flare.catalog.models import Metric, Service
from flare.incidents.dedupe import Claim
from flare.ports import Port
from flare.store import metrics as dynamodb_metrics
from flare.store import services as dynamodb_services
from flare.store.queries import Filter, Page


class ServiceStorage(Protocol):
    def create_service(self, service: Service) -> None:
        """NameTaken when another service of the organisation has its name (case-insensitively)."""

    def get_service(self, org_id: str, service_id: str) -> Service | None: ...

    def get_services(self, org_id: str, service_ids: Iterable[str]) -> dict[str, Service]:
        """The organisation's services with these ids (missing ones left out), read strongly consistently."""

    def list_services(self, org_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
        """A newest-first page of Services."""

    def update_service(self, before: Service, after: Service) -> None:
        """Write the edited service if it is still at `before.version` (else Stale); NameTaken."""

    def delete_service(self, service: Service) -> None:
        """ServiceBusy (with its impacts as they are now) while incidents or maintenances affect it."""

    def service_ids_by_name(self, org_id: str, names: Iterable[str]) -> dict[str, str]:
        """Casefolded name → id for the names that are the organisation's services."""


class MetricStorage(Protocol):
    def save_metric(self, before: Metric | None, after: Metric) -> None:
        """Create (`before` None) or replace the metric at `before.version` (else Stale); ServiceMissing."""

    def metric_and_claim(self, org_id: str, metric_id: str, source: str) -> tuple[Metric | None, Claim | None]:
        """The metric and the dedupe claim on (source, its id), read together."""

    def get_metric(self, org_id: str, metric_id: str) -> Metric | None: ...

    def list_metrics(self, org_id: str, *, limit: int, start: dict[str, str] | None, where: Filter) -> Page:
        """A newest-first page of Metrics."""

    def delete_metric(self, org_id: str, metric_id: str) -> bool:
        """False when the organisation has no such metric."""


services: Port[ServiceStorage] = Port(dynamodb_services)
metrics: Port[MetricStorage] = Port(dynamodb_metrics)
