"""Webhooks' use cases on the in-memory store, the HTTP request stood in for: what each answer does to the delivery
and to what the subscription knows of its endpoint, which deliveries events call for, and the admin API's rules."""

import pytest

from flare.errors import Conflict, NotFound, PreconditionFailed
from flare.events import publishing
from flare.events.derivation import StreamChange
from flare.events.outbound import Attempt
from flare.incidents.filing import create_incident
from flare.incidents.models import CreateIncidentRequest
from flare.webhooks import delivery, rules, sending
from flare.webhooks import use_cases as webhooks
from flare.webhooks.models import CreateWebhookRequest, UpdateWebhookRequest
from flare.webhooks.port import webhooks as storage
from flare.webhooks.rules import Answer

URL = "https://hooks.example.com/flare"


@pytest.fixture
def receiver(monkeypatch):
    """The receiver's answers, in order (the last one repeats); what was sent to it."""

    class Receiver:
        answers = [Answer(204)]
        sent: list[tuple[str, bytes, dict]] = []

    def post(url, body, headers):
        Receiver.sent.append((url, body, headers))
        answer = Receiver.answers.pop(0) if len(Receiver.answers) > 1 else Receiver.answers[0]
        return sending.Sent(answer, 7)

    Receiver.sent = []
    monkeypatch.setattr(sending, "post", post)
    return Receiver


def subscribe(caller, **fields):
    return webhooks.create_webhook(caller, CreateWebhookRequest(url=URL, **fields))


def file_published(caller, store, title="Checkout is down") -> list:
    """An incident filed published, its stream records published as events: the deliveries they queued."""
    filed, _ = create_incident(caller, CreateIncidentRequest(title=title, publish=True))
    incident = store.incidents[(caller.org_id, filed.id)]
    image = incident.model_dump(mode="json") | {"metadata": "{}"}
    before = len(store.queued)
    change = StreamChange(
        f"r-{incident.id}",
        "INSERT",
        f"ORG#{caller.org_id}#INC#{incident.id}",
        "INCIDENT",
        None,
        image,
        incident.created_at,
    )
    publishing.publish([change])
    return store.queued[before:]


def attempt_of(outbound, *, manual=False) -> Attempt:
    return Attempt({"kind": outbound.kind, **outbound.body} | ({"manual": True} if manual else {}), 1)


def test_events_call_for_one_delivery_per_subscription_that_takes_their_type(caller, store, receiver):
    every = subscribe(caller)
    created_only = subscribe(caller, event_types=["incident.created"])
    subscribe(caller, enabled=False)
    queued = file_published(caller, store)
    assert [event["type"] for event in store.bus] == ["incident.created", "incident.published"]
    assert sorted((m.body["webhook_id"], m.body["event"]["type"]) for m in queued) == sorted(
        [(every.id, "incident.created"), (every.id, "incident.published"), (created_only.id, "incident.created")]
    )
    # One group per subscription and resource: that resource's events reach it in order.
    incident_id = store.bus[0]["data"]["incident"]["id"]
    assert {m.group for m in queued} == {f"{every.id}:{incident_id}", f"{created_only.id}:{incident_id}"}


def test_the_same_event_is_the_same_delivery(caller, store):
    hook = subscribe(caller)
    first = delivery.delivery_id("evt_01KAQ60000000000000000000A", hook.id)
    assert first == delivery.delivery_id("evt_01KAQ60000000000000000000A", hook.id)
    assert first != delivery.delivery_id("evt_01KAQ60000000000000000000B", hook.id)


def test_a_failure_is_retried_on_schedule_and_the_endpoint_is_known_to_fail_until_it_succeeds(
    caller, store, receiver, clock
):
    hook = subscribe(caller, event_types=["incident.created"])
    (outbound,) = file_published(caller, store)
    receiver.answers = [Answer(503), Answer(204)]
    outcome = delivery.deliver(attempt_of(outbound))
    assert outcome.retry_in == rules.RETRY_SCHEDULE[0]
    _, recorded = storage().webhook_and_delivery(caller.org_id, hook.id, outbound.delivery_id)
    assert recorded.status == "pending" and storage().get_webhook(caller.org_id, hook.id).failing_since is not None
    assert delivery.deliver(attempt_of(outbound)).retry_in is None
    _, recorded = storage().webhook_and_delivery(caller.org_id, hook.id, outbound.delivery_id)
    assert recorded.status == "delivered" and [a.response_status for a in recorded.attempts] == [503, 204]
    assert storage().get_webhook(caller.org_id, hook.id).failing_since is None
    # Handed out again (the queue delivers at least once): not sent again.
    assert delivery.deliver(attempt_of(outbound)).retry_in is None and len(receiver.sent) == 2


def test_a_client_error_fails_the_delivery_without_retrying(caller, store, receiver):
    hook = subscribe(caller, event_types=["incident.created"])
    (outbound,) = file_published(caller, store)
    receiver.answers = [Answer(400)]
    assert delivery.deliver(attempt_of(outbound)).retry_in is None
    assert storage().webhook_and_delivery(caller.org_id, hook.id, outbound.delivery_id)[1].status == "failed"


def test_gone_disables_the_subscription_and_its_queued_deliveries_are_cancelled(caller, store, receiver):
    hook = subscribe(caller, event_types=["incident.created"])
    first, second = file_published(caller, store)[0], file_published(caller, store, "Again")[0]
    receiver.answers = [Answer(410)]
    delivery.deliver(attempt_of(first))
    shown = webhooks.get_webhook(caller, hook.id)
    assert not shown.enabled and "410 Gone" in shown.disabled_reason
    assert delivery.deliver(attempt_of(second)).retry_in is None
    _, cancelled = storage().webhook_and_delivery(caller.org_id, hook.id, second.delivery_id)
    assert cancelled.status == "cancelled" and "disabled" in cancelled.attempts[0].error
    assert len(receiver.sent) == 1


def test_a_deleted_subscription_s_queued_delivery_is_dropped(caller, store, receiver):
    hook = subscribe(caller, event_types=["incident.created"])
    (outbound,) = file_published(caller, store)
    webhooks.delete_webhook(caller, hook.id)
    assert delivery.deliver(attempt_of(outbound)).retry_in is None and receiver.sent == []


def test_redelivery_is_one_manual_attempt_that_never_retries(caller, store, receiver):
    hook = subscribe(caller, event_types=["incident.created"])
    (outbound,) = file_published(caller, store)
    delivery.deliver(attempt_of(outbound))
    webhooks.redeliver(caller, hook.id, outbound.delivery_id)
    manual = store.queued[-1]
    assert manual.body == {
        "org_id": caller.org_id,
        "webhook_id": hook.id,
        "delivery_id": outbound.delivery_id,
        "manual": True,
    }
    receiver.answers = [Answer(500)]
    assert delivery.deliver(Attempt({"kind": "webhook", **manual.body}, 1)).retry_in is None
    _, recorded = storage().webhook_and_delivery(caller.org_id, hook.id, outbound.delivery_id)
    assert [a.trigger for a in recorded.attempts] == ["automatic", "manual"]
    assert recorded.status == "delivered"  # a failed manual attempt does not undo the delivery
    sent_bodies = {body for _, body, _ in receiver.sent}
    assert len(sent_bodies) == 1  # the same payload, byte for byte


def test_redelivery_is_refused_for_an_unknown_delivery_and_a_disabled_subscription(caller, store, receiver):
    hook = subscribe(caller, event_types=["incident.created"])
    (outbound,) = file_published(caller, store)
    delivery.deliver(attempt_of(outbound))
    with pytest.raises(NotFound):
        webhooks.redeliver(caller, hook.id, "dlv_01KAQ6000000000000000000ZZ")
    webhooks.update_webhook(caller, hook.id, UpdateWebhookRequest(enabled=False), if_match=None)
    with pytest.raises(Conflict):
        webhooks.redeliver(caller, hook.id, outbound.delivery_id)


def test_another_organisation_sees_no_subscription(caller, other_caller, store):
    hook = subscribe(caller)
    for act in (
        lambda: webhooks.get_webhook(other_caller, hook.id),
        lambda: webhooks.rotate_secret(other_caller, hook.id),
        lambda: webhooks.list_deliveries(other_caller, hook.id, limit=10, after=None),
        lambda: webhooks.delete_webhook(other_caller, hook.id),
    ):
        with pytest.raises(NotFound):
            act()


def test_a_stale_if_match_is_refused(caller, store):
    hook = subscribe(caller)
    with pytest.raises(PreconditionFailed):
        webhooks.update_webhook(caller, hook.id, UpdateWebhookRequest(description="x"), if_match='"7"')


def test_rotating_keeps_at_most_three_live_secrets(caller, store, clock):
    hook = subscribe(caller)
    for _ in range(4):
        webhooks.rotate_secret(caller, hook.id)
    stored = storage().get_webhook(caller.org_id, hook.id)
    assert len(stored.secrets) == webhooks.MAX_SECRETS
    assert stored.secrets[0].expires_at is None and all(s.expires_at for s in stored.secrets[1:])
