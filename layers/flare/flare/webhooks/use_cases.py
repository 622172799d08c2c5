"""Webhook subscriptions as the admin API manages them: create (the signing secret shown once), read, change,
delete, rotate the secret (the old one keeps signing for 24 hours), and the deliveries with their attempts."""

import base64
import secrets
from datetime import timedelta

from flare import clock, cursor
from flare.access.auth import Caller
from flare.errors import Conflict, NotFound, PreconditionFailed
from flare.ids import find_by_id, is_id, new_id
from flare.messaging.queue import Outbound
from flare.preconditions import patched
from flare.store.errors import Stale
from flare.webhooks.models import (
    CreateWebhookRequest,
    DeliveryList,
    DeliveryOut,
    NewWebhookOut,
    RotatedSecretOut,
    SigningSecret,
    UpdateWebhookRequest,
    Webhook,
    WebhookList,
    WebhookOut,
)
from flare.webhooks.port import queue, webhooks

SECRET_OVERLAP = timedelta(hours=24)  # a rotated-out secret still signs deliveries this long
MAX_SECRETS = 3  # the current one and those rotated out within the overlap (rotating faster drops the oldest)


def new_secret() -> str:
    """whsec_ and 32 random bytes in base64: the Standard Webhooks form its libraries read."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def webhook_out(webhook: Webhook) -> WebhookOut:
    return WebhookOut(**webhook.model_dump(include=set(WebhookOut.model_fields)))


def create_webhook(caller: Caller, request: CreateWebhookRequest) -> NewWebhookOut:
    now = clock.now()
    secret = new_secret()
    webhook = Webhook(
        id=new_id("whk", now),
        org_id=caller.org_id,
        **request.model_dump(),
        secrets=[SigningSecret(secret=secret)],
        version=1,
        created_at=now,
        updated_at=now,
        created_by=caller.key_id,
    )
    webhooks().save_webhook(None, webhook)
    return NewWebhookOut(**webhook_out(webhook).model_dump(), secret=secret)


def _get(caller: Caller, webhook_id: str) -> Webhook:
    return find_by_id(webhook_id, "whk", lambda given: webhooks().get_webhook(caller.org_id, given), "webhook")


def get_webhook(caller: Caller, webhook_id: str) -> WebhookOut:
    return webhook_out(_get(caller, webhook_id))


def list_webhooks(caller: Caller, *, limit: int, after: str | None) -> WebhookList:
    items, next_cursor = cursor.paged(
        cursor.fingerprint(org=caller.org_id, list="webhooks"),
        after,
        lambda start: webhooks().list_webhooks(caller.org_id, limit=limit, start=start),
    )
    return WebhookList(webhooks=[webhook_out(item) for item in items], next_cursor=next_cursor)


def _saved(before: Webhook, after: Webhook) -> WebhookOut:
    try:
        webhooks().save_webhook(before, after)
    except Stale:
        raise PreconditionFailed("the webhook changed since it was read; fetch it and try again") from None
    return webhook_out(after)


def update_webhook(caller: Caller, webhook_id: str, request: UpdateWebhookRequest, if_match: str | None) -> WebhookOut:
    before = _get(caller, webhook_id)
    after = patched(before, request, if_match)
    if after is None:
        return webhook_out(before)
    if after.enabled and not before.enabled:  # enabled again by a person: what Flare found is forgotten
        after = after.model_copy(update={"disabled_reason": None, "failing_since": None})
    return _saved(before, after)


def delete_webhook(caller: Caller, webhook_id: str) -> None:
    """The subscription and its deliveries go; deliveries still queued for it are dropped when they come up."""
    webhook = _get(caller, webhook_id)
    try:
        webhooks().delete_webhook(webhook)
    except Stale:
        raise PreconditionFailed("the webhook changed since it was read; fetch it and try again") from None


def rotate_secret(caller: Caller, webhook_id: str) -> RotatedSecretOut:
    """A new signing secret; the current one keeps signing (both signatures are sent) for 24 hours."""
    before = _get(caller, webhook_id)
    now = clock.now()
    secret = new_secret()
    expires = now + SECRET_OVERLAP
    kept = [
        s if s.expires_at is not None else s.model_copy(update={"expires_at": expires})
        for s in before.secrets
        if s.expires_at is None or s.expires_at > now
    ]
    after = before.model_copy(
        update={
            "secrets": [SigningSecret(secret=secret), *kept][:MAX_SECRETS],
            "version": before.version + 1,
            "updated_at": now,
        }
    )
    _saved(before, after)
    return RotatedSecretOut(secret=secret, previous_secret_expires_at=expires)


def list_deliveries(caller: Caller, webhook_id: str, *, limit: int, after: str | None) -> DeliveryList:
    webhook = _get(caller, webhook_id)
    items, next_cursor = cursor.paged(
        cursor.fingerprint(org=caller.org_id, list="deliveries", webhook=webhook.id),
        after,
        lambda start: webhooks().list_deliveries(caller.org_id, webhook.id, limit=limit, start=start),
    )
    return DeliveryList(deliveries=[delivery_out(item) for item in items], next_cursor=next_cursor)


def delivery_out(delivery) -> DeliveryOut:
    return DeliveryOut(**delivery.model_dump(include=set(DeliveryOut.model_fields)))


def redeliver(caller: Caller, webhook_id: str, delivery_id: str) -> DeliveryOut:
    """Queue one more attempt of a delivery, now, whatever became of it (its automatic retries go on as they
    were); the attempt is added to the delivery's attempts when it is made."""
    webhook = _get(caller, webhook_id)
    found = (
        webhooks().webhook_and_delivery(caller.org_id, webhook.id, delivery_id) if is_id(delivery_id, "dlv") else None
    )
    delivery = found[1] if found else None
    if delivery is None or delivery.payload is None:
        raise NotFound(f"no delivery {delivery_id} of webhook {webhook.id}")
    if not webhook.enabled:
        raise Conflict("the webhook is disabled: enable it (PATCH enabled: true) before redelivering")
    now = clock.now()
    queue().send(
        [
            Outbound(
                kind="webhook",
                delivery_id=f"{delivery.id}.{int(now.timestamp() * 1000)}",
                group=f"redeliver:{delivery.id}",
                body={
                    "org_id": caller.org_id,
                    "webhook_id": webhook.id,
                    "delivery_id": delivery.id,
                    "manual": True,
                },
            )
        ]
    )
    return delivery_out(delivery)
