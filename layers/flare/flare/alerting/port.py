"""What alerting's use cases need from storage: integrations (flare.store.integrations) and the deliveries
seen before (flare.store.deliveries) in a function."""

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from flare.alerting.models import AlertContext, Integration
from flare.ports import Port
from flare.store import deliveries as dynamodb_deliveries
from flare.store import integrations as dynamodb_integrations
from flare.store.queries import Page


class IntegrationStorage(Protocol):
    def create_integration(self, integration: Integration) -> None:
        """TeamTaken when its Slack workspace is another integration's; ServiceMissing for a default service."""

    def get_integration(self, org_id: str, integration_id: str) -> Integration | None: ...

    def list_integrations(self, org_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
        """A newest-first page of Integrations."""

    def delete_integration(self, integration: Integration) -> bool:
        """False when it is already gone."""

    def slack_integration(self, team_id: str) -> Integration | None:
        """The Slack integration of the workspace, whichever organisation it belongs to."""

    def alert_context(
        self,
        org_id: str,
        integration_id: str,
        source: str,
        external_id: str | None,
        service_names: Iterable[str],
        *,
        delivery_id: str | None = None,
        now: datetime,
    ) -> AlertContext:
        """What a receiver reads before acting, read together and strongly consistently."""


class DeliveryStorage(Protocol):
    def record_delivery(self, org_id: str, scope: str, delivery_id: str, *, expires_at: datetime) -> None: ...

    def release_delivery(self, org_id: str, scope: str, delivery_id: str) -> None: ...

    def claim_delivery(self, org_id: str, scope: str, delivery_id: str, *, now: datetime, expires_at: datetime) -> bool:
        """Take a delivery before acting on it: False when it was taken before and has not expired."""


integrations: Port[IntegrationStorage] = Port(dynamodb_integrations)
deliveries: Port[DeliveryStorage] = Port(dynamodb_deliveries)
