"""Webhook subscriptions and their deliveries (a subscription's partition: the record, then #DLV#<delivery>)."""

from datetime import datetime, timedelta
from typing import Any

from flare.clock import iso
from flare.store.client import client, table_name
from flare.store.codec import from_item, key, record, to_item, values
from flare.store.errors import Stale
from flare.store.keys import WEBHOOK_DELIVERY_SK_PREFIX, WEBHOOK_SK, list_pk, webhook_pk
from flare.store.queries import Page, batch_get, check_position, delete_partition, query_collection
from flare.webhooks.models import Delivery, DeliveryAttempt, Webhook

DELIVERY_RETENTION = timedelta(days=30)
# What a list of deliveries shows: everything but the payload, which only a redelivery reads.
_LISTED = (
    "id, org_id, webhook_id, event_id, event_type, #status, attempts, next_attempt_at, created_at, updated_at, PK, SK"
)


def _item(webhook: Webhook) -> dict[str, Any]:
    return record(webhook) | {
        "PK": webhook_pk(webhook.org_id, webhook.id),
        "SK": WEBHOOK_SK,
        "GSI1PK": list_pk(webhook.org_id, "WEBHOOKS"),
        "GSI1SK": webhook.id,
        "kind": "webhook",
    }


def save_webhook(before: Webhook | None, after: Webhook) -> None:
    """Create (`before` None) or replace the subscription if it is still at `before.version` (else Stale)."""
    condition, bound = (
        ("attribute_not_exists(PK)", None) if before is None else ("version = :v", {":v": before.version})
    )
    request: dict[str, Any] = {
        "TableName": table_name(),
        "Item": to_item(_item(after)),
        "ConditionExpression": condition,
    }
    if bound:
        request["ExpressionAttributeValues"] = values(bound)
    try:
        client().put_item(**request)
    except client().exceptions.ConditionalCheckFailedException:
        raise Stale() from None


def get_webhook(org_id: str, webhook_id: str) -> Webhook | None:
    answer = client().get_item(
        TableName=table_name(), Key=key(webhook_pk(org_id, webhook_id), WEBHOOK_SK), ConsistentRead=True
    )
    item = answer.get("Item")
    return Webhook.model_validate(from_item(item)) if item else None


def list_webhooks(org_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
    page = query_collection(org_id, "WEBHOOKS", limit=limit, start=start)
    return Page([Webhook.model_validate(item) for item in page.items], page.next_position)


def webhooks_of(org_id: str) -> list[Webhook]:
    """Every subscription of the organisation (a handful: read whole, page after page)."""
    found, start = [], None
    while True:
        page = query_collection(org_id, "WEBHOOKS", limit=100, start=start)
        found += [Webhook.model_validate(item) for item in page.items]
        if (start := page.next_position) is None:
            return found


def delete_webhook(webhook: Webhook) -> None:
    """Delete the subscription at `webhook.version` (else Stale), then its deliveries."""
    try:
        client().delete_item(
            TableName=table_name(),
            Key=key(webhook_pk(webhook.org_id, webhook.id), WEBHOOK_SK),
            ConditionExpression="version = :v",
            ExpressionAttributeValues=values({":v": webhook.version}),
        )
    except client().exceptions.ConditionalCheckFailedException:
        raise Stale() from None
    delete_partition(webhook_pk(webhook.org_id, webhook.id))


def update_health(webhook: Webhook, after: Webhook) -> bool:
    """Save what a delivery learnt of the endpoint (failing since, disabled and why) if nobody changed the
    subscription meanwhile; False otherwise (the next delivery sees the change and judges again)."""
    try:
        save_webhook(webhook, after)
    except Stale:
        return False
    return True


# ---- deliveries -------------------------------------------------------------------------------------------


def webhook_and_delivery(org_id: str, webhook_id: str, delivery_id: str) -> tuple[Webhook | None, Delivery | None]:
    """The subscription and one of its deliveries, in one strongly consistent read."""
    pk = webhook_pk(org_id, webhook_id)
    items = batch_get([key(pk, WEBHOOK_SK), key(pk, WEBHOOK_DELIVERY_SK_PREFIX + delivery_id)], consistent=True)
    webhook = next((Webhook.model_validate(i) for i in items if i["SK"] == WEBHOOK_SK), None)
    delivery = next((_delivery(i) for i in items if i["SK"] != WEBHOOK_SK), None)
    return webhook, delivery


def _delivery(item: dict[str, Any]) -> Delivery:
    item = dict(item)
    if isinstance(item.get("payload"), bytes | bytearray):
        item["payload"] = bytes(item["payload"]).decode()
    return Delivery.model_validate(item)


def record_attempt(
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
    """Add one attempt to the delivery (created by its first) and set its status and next attempt."""
    now = attempt.at
    expression = (
        "SET id = :id, org_id = :org, webhook_id = :webhook, event_id = :event, event_type = :type, "
        "payload = if_not_exists(payload, :payload), created_at = if_not_exists(created_at, :now), "
        "updated_at = :now, #status = :status, expires_at = :expires, "
        "attempts = list_append(if_not_exists(attempts, :none), :attempt)"
    )
    bound: dict[str, Any] = {
        ":id": delivery_id,
        ":org": org_id,
        ":webhook": webhook_id,
        ":event": event["id"],
        ":type": event["type"],
        ":payload": payload,
        ":now": iso(now),
        ":status": status,
        ":expires": int((now + DELIVERY_RETENTION).timestamp()),
        ":none": [],
        ":attempt": [attempt.model_dump(mode="json")],
    }
    if next_attempt_at is None:
        expression += " REMOVE next_attempt_at"
    else:
        expression += ", next_attempt_at = :next"
        bound[":next"] = iso(next_attempt_at)
    client().update_item(
        TableName=table_name(),
        Key=key(webhook_pk(org_id, webhook_id), WEBHOOK_DELIVERY_SK_PREFIX + delivery_id),
        UpdateExpression=expression,
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues=values(bound),
    )


def list_deliveries(org_id: str, webhook_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
    """A page of the subscription's deliveries, newest event first (without their payloads)."""
    pk = webhook_pk(org_id, webhook_id)
    request: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :deliveries)",
        "ExpressionAttributeValues": values({":pk": pk, ":deliveries": WEBHOOK_DELIVERY_SK_PREFIX}),
        "ExpressionAttributeNames": {"#status": "status"},
        "ProjectionExpression": _LISTED,
        "ScanIndexForward": False,
        "Limit": limit + 1,
    }
    if start:
        check_position(start, "PK", pk)
        request["ExclusiveStartKey"] = {name: {"S": value} for name, value in start.items()}
    items = [from_item(item) for item in client().query(**request).get("Items", [])]
    more = len(items) > limit
    items = items[:limit]
    position = {"PK": items[-1]["PK"], "SK": items[-1]["SK"]} if more else None
    return Page([_delivery(item) for item in items], position)
