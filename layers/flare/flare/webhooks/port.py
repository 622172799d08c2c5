"""What the webhook use cases need from storage (flare.store.webhooks) and the outbound queue, in a function."""

from datetime import datetime
from typing import Any, Protocol

from flare.messaging import queue as sqs
from flare.messaging.queue import Outbound
from flare.ports import Port
from flare.store import webhooks as dynamodb_webhooks
from flare.store.queries import Page
from flare.webhooks.models import Delivery, DeliveryAttempt, Webhook


class WebhookStorage(Protocol):
    def save_webhook(self, before: Webhook | None, after: Webhook) -> None:
        """Create (`before` None) or replace the subscription if it is still at `before.version` (else Stale)."""

    def get_webhook(self, org_id: str, webhook_id: str) -> Webhook | None: ...

    def list_webhooks(self, org_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
        """A newest-first page of Webhooks."""

    def webhooks_of(self, org_id: str) -> list[Webhook]:
        """Every subscription of the organisation."""

    def delete_webhook(self, webhook: Webhook) -> None:
        """Delete the subscription at `webhook.version` (else Stale) and its deliveries."""

    def update_health(self, webhook: Webhook, after: Webhook) -> bool:
        """Save `after` if the subscription is still at `webhook.version`; False otherwise."""

    def webhook_and_delivery(
        self, org_id: str, webhook_id: str, delivery_id: str
    ) -> tuple[Webhook | None, Delivery | None]: ...

    def record_attempt(
        self,
        org_id: str,
        webhook_id: str,
        delivery_id: str,
        *,
        event: dict[str, Any],
        payload: str,
        attempt: DeliveryAttempt,
        status: str,
        next_attempt_at: datetime | None,
    ) -> None:
        """Add one attempt to the delivery (its first creates it), with its status and next attempt."""

    def list_deliveries(self, org_id: str, webhook_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
        """A page of Deliveries, newest event first, without payloads."""


class DeliveryQueue(Protocol):
    def send(self, messages: list[Outbound]) -> None: ...


webhooks: Port[WebhookStorage] = Port(dynamodb_webhooks)
queue: Port[DeliveryQueue] = Port(sqs)
