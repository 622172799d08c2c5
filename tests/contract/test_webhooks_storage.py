"""Webhook subscriptions' and deliveries' storage, on both stores: versions guard edits, health and deletes; a
delivery's attempts accumulate in order; deliveries list newest event first, without their payloads; deleting a
subscription deletes its deliveries."""

from datetime import timedelta

import pytest

from flare.ids import new_id
from flare.store.errors import Stale
from flare.webhooks.models import DeliveryAttempt, SigningSecret, Webhook
from flare.webhooks.port import webhooks
from tests.contract.conftest import new_org
from tests.support import T0


def make_webhook(caller, at=T0, **fields) -> Webhook:
    webhook = Webhook(
        id=new_id("whk", at),
        org_id=caller.org_id,
        url="https://hooks.example.com/flare",
        event_types=["*"],
        description="",
        enabled=True,
        secrets=[SigningSecret(secret="whsec_c2VjcmV0")],
        version=1,
        created_at=at,
        updated_at=at,
        **fields,
    )
    webhooks().save_webhook(None, webhook)
    return webhook


def attempt(at, status: int | None = 500, trigger: str = "automatic") -> DeliveryAttempt:
    return DeliveryAttempt(at=at, trigger=trigger, response_status=status, latency_ms=12, error=None)


def record(caller, webhook, delivery_id: str, at, *, status: int | None, state: str, event_id: str = "evt_1"):
    webhooks().record_attempt(
        caller.org_id,
        webhook.id,
        delivery_id,
        event={"id": event_id, "type": "incident.created"},
        payload='{"type":"incident.created"}',
        attempt=attempt(at, status),
        status=state,
        next_attempt_at=at + timedelta(seconds=5) if state == "pending" else None,
    )


def test_a_subscription_is_created_once_and_edited_at_its_version(caller):
    webhook = make_webhook(caller)
    with pytest.raises(Stale):
        webhooks().save_webhook(None, webhook)
    edited = webhook.model_copy(update={"description": "bridge", "version": 2})
    webhooks().save_webhook(webhook, edited)
    with pytest.raises(Stale):
        webhooks().save_webhook(webhook, webhook.model_copy(update={"version": 2}))
    assert webhooks().get_webhook(caller.org_id, webhook.id).description == "bridge"
    assert not webhooks().update_health(webhook, webhook.model_copy(update={"enabled": False, "version": 2}))
    assert webhooks().update_health(edited, edited.model_copy(update={"enabled": False, "version": 3}))
    assert webhooks().get_webhook(caller.org_id, webhook.id).enabled is False


def test_an_organisation_lists_its_own_subscriptions_newest_first(caller):
    first = make_webhook(caller)
    second = make_webhook(caller, T0 + timedelta(seconds=1))
    make_webhook(new_org(), T0 + timedelta(seconds=2))
    assert [w.id for w in webhooks().webhooks_of(caller.org_id)] == [second.id, first.id]
    page = webhooks().list_webhooks(caller.org_id, limit=1, start=None)
    assert [w.id for w in page.items] == [second.id] and page.next_position is not None
    rest = webhooks().list_webhooks(caller.org_id, limit=1, start=page.next_position)
    assert [w.id for w in rest.items] == [first.id] and rest.next_position is None
    assert webhooks().get_webhook(new_org().org_id, first.id) is None


def test_attempts_accumulate_on_a_delivery_and_keep_its_first_payload(caller):
    webhook = make_webhook(caller)
    delivery_id = new_id("dlv", T0)
    record(caller, webhook, delivery_id, T0, status=500, state="pending")
    record(caller, webhook, delivery_id, T0 + timedelta(seconds=5), status=204, state="delivered")
    found, delivery = webhooks().webhook_and_delivery(caller.org_id, webhook.id, delivery_id)
    assert found.id == webhook.id
    assert [a.response_status for a in delivery.attempts] == [500, 204]
    assert delivery.status == "delivered" and delivery.next_attempt_at is None
    assert delivery.created_at == T0 and delivery.updated_at == T0 + timedelta(seconds=5)
    assert delivery.payload == '{"type":"incident.created"}'
    assert webhooks().webhook_and_delivery(caller.org_id, webhook.id, new_id("dlv", T0))[1] is None


def test_deliveries_list_newest_first_in_pages_without_payloads(caller):
    webhook = make_webhook(caller)
    ids = [new_id("dlv", T0 + timedelta(seconds=n)) for n in range(3)]
    for delivery_id in ids:
        record(caller, webhook, delivery_id, T0, status=204, state="delivered")
    page = webhooks().list_deliveries(caller.org_id, webhook.id, limit=2, start=None)
    assert [d.id for d in page.items] == [ids[2], ids[1]]
    assert all(d.payload is None for d in page.items)
    rest = webhooks().list_deliveries(caller.org_id, webhook.id, limit=2, start=page.next_position)
    assert [d.id for d in rest.items] == [ids[0]] and rest.next_position is None


def test_deleting_a_subscription_at_its_version_deletes_its_deliveries(caller):
    webhook = make_webhook(caller)
    delivery_id = new_id("dlv", T0)
    record(caller, webhook, delivery_id, T0, status=204, state="delivered")
    with pytest.raises(Stale):
        webhooks().delete_webhook(webhook.model_copy(update={"version": 2}))
    webhooks().delete_webhook(webhook)
    assert webhooks().webhook_and_delivery(caller.org_id, webhook.id, delivery_id) == (None, None)
    assert webhooks().list_deliveries(caller.org_id, webhook.id, limit=10, start=None).items == []
