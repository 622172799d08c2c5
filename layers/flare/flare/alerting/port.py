"""What alerting's use cases need from storage: integrations (flare.store.integrations), the deliveries seen
before (flare.store.deliveries) and where incidents were announced in Slack (flare.store.slack_threads), in a
function each."""

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from flare.alerting.models import AlertContext, Integration, SlackThread
from flare.ports import Port
from flare.store import deliveries as dynamodb_deliveries
from flare.store import integrations as dynamodb_integrations
from flare.store import slack_threads as dynamodb_slack_threads
from flare.store.queries import Page


class IntegrationStorage(Protocol):
    def create_integration(self, integration: Integration) -> None:
        """TeamTaken when its Slack workspace is another integration's; ServiceMissing for a default service."""

    def get_integration(self, org_id: str, integration_id: str) -> Integration | None: ...

    def list_integrations(self, org_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
        """A newest-first page of Integrations."""

    def update_integration(self, before: Integration, after: Integration) -> None:
        """Replace it (and its workspace's copy) if still at `before.version` (else Stale); ServiceMissing for a
        service it names."""

    def announcing_integrations(self, org_id: str) -> list[Integration]:
        """The organisation's Slack integrations with a bot token or an incoming webhook URL (one Query)."""

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


class SlackThreadStorage(Protocol):
    def integration_and_thread(
        self, org_id: str, integration_id: str, incident_id: str, channel: str
    ) -> tuple[Integration | None, SlackThread | None]:
        """The integration and where the incident was announced in the channel, read together."""

    def record_post(
        self,
        org_id: str,
        incident_id: str,
        integration_id: str,
        channel: str,
        *,
        delivery_id: str,
        ts: str | None,
        channel_id: str | None,
        expires_at: datetime,
    ) -> None:
        """Note a post in the channel: the first one's ts and channel id become the thread; each adds its
        delivery to those posted, and keeps the item until `expires_at`."""


integrations: Port[IntegrationStorage] = Port(dynamodb_integrations)
deliveries: Port[DeliveryStorage] = Port(dynamodb_deliveries)
threads: Port[SlackThreadStorage] = Port(dynamodb_slack_threads)
