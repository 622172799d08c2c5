"""Webhook subscriptions end to end on the embedded AWS: the admin API, then changes → the table's stream → the
event publisher → the outbound queue → the deliverer → a receiver on 127.0.0.1, verified with the standardwebhooks
library (Standard Webhooks' own)."""

import json
import time
from datetime import datetime, timedelta

import jsonschema
import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from flare import clock, settings
from flare.webhooks import rules, sending
from flare_local import openapi_spec
from tests.support import T0, key_id, new_incident, new_service
from tests.support.invoking import invoke
from tests.support.outbound import deliver_outbound, retry_waiting
from tests.support.webhook_receiver import Answer, webhook_receiver


@pytest.fixture
def receiver():
    with webhook_receiver() as serving:
        yield serving


def subscribe(org, url: str, **fields) -> dict:
    reply = invoke("create_webhook", org.api_key, body={"url": url, **fields})
    assert reply.status == 201, reply.body
    return reply.body


def deliveries(org, webhook_id: str) -> list[dict]:
    reply = invoke("list_webhook_deliveries", org.api_key, path_params={"webhook_id": webhook_id})
    assert reply.status == 200, reply.body
    return reply.body["deliveries"]


def webhook(org, webhook_id: str) -> dict:
    reply = invoke("get_webhook", org.api_key, path_params={"webhook_id": webhook_id})
    assert reply.status == 200, reply.body
    return reply.body


def payloads(receiver) -> list[dict]:
    return [json.loads(request.body) for request in receiver.received]


# ---- the admin API ---------------------------------------------------------------------------------------------


def test_the_secret_is_shown_once_and_never_again(org, receiver):
    created = subscribe(org, receiver.url, event_types=["incident.created"], description="bridge")
    assert created["secret"].startswith("whsec_") and created["enabled"] is True
    assert created["event_types"] == ["incident.created"]
    shown = webhook(org, created["id"])
    assert "secret" not in shown and "secrets" not in shown
    listed = invoke("list_webhooks", org.api_key).body["webhooks"]
    assert [w["id"] for w in listed] == [created["id"]] and "secret" not in listed[0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://x.example", "extra": 1}, "extra"),
        ({"url": "ftp://x.example/hook"}, "url"),
        ({"url": "https://user:pass@x.example/hook"}, "url"),
        ({"url": "https://10.0.0.7/hook"}, "url"),
        ({"url": "https://169.254.169.254/latest/meta-data"}, "url"),
        ({"url": "https://x.example", "event_types": ["incident.exploded"]}, "event_types.0"),
        ({"url": "https://x.example", "event_types": ["*", "incident.created"]}, "event_types"),
        ({"url": "https://x.example", "event_types": []}, "event_types"),
        ({"url": "https://x.example", "enabled": "yes"}, "enabled"),
    ],
)
def test_a_bad_subscription_is_refused_naming_the_field_and_nothing_is_stored(org, table, body, field):
    before = table.items()
    reply = invoke("create_webhook", org.api_key, body=body)
    assert reply.status == 422, reply.body
    assert any(name.startswith(field) for name in reply.problem_fields), reply.body
    assert table.items() == before


def test_deployed_a_webhook_is_https_and_never_loopback(org, monkeypatch):
    monkeypatch.setenv("OUTBOUND_ALLOW_LOOPBACK", "false")
    settings.forget()
    for url in ("http://hooks.example.com/flare", "https://127.0.0.1/hook", "https://localhost/hook"):
        reply = invoke("create_webhook", org.api_key, body={"url": url})
        assert reply.status == 422 and reply.problem_fields == ["url"], (url, reply.body)
    assert invoke("create_webhook", org.api_key, body={"url": "https://hooks.example.com/flare"}).status == 201


def test_another_organisations_webhook_is_not_found(org, other_org, receiver):
    theirs = subscribe(other_org, receiver.url)
    path = {"webhook_id": theirs["id"]}
    assert invoke("get_webhook", org.api_key, path_params=path).status == 404
    assert invoke("update_webhook", org.api_key, path_params=path, body={"enabled": False}).status == 404
    assert invoke("delete_webhook", org.api_key, path_params=path).status == 404
    assert invoke("rotate_webhook_secret", org.api_key, path_params=path).status == 404
    assert invoke("list_webhook_deliveries", org.api_key, path_params=path).status == 404
    assert webhook(other_org, theirs["id"])["enabled"] is True


def test_an_organisation_receives_only_its_own_events(org, other_org, table, receiver):
    subscribe(other_org, receiver.url)
    new_incident(org, publish=True)
    deliver_outbound(table)
    assert receiver.received == []


def test_only_admins_manage_webhooks(org):
    reply = invoke("create_api_key", org.api_key, body={"name": "writer", "scopes": ["write:incidents"]})
    writer = reply.body["key"]
    assert invoke("create_webhook", writer, body={"url": "https://x.example"}).status == 403
    assert invoke("list_webhooks", writer).status == 403


def test_patch_is_strict_and_honours_if_match(org, receiver):
    created = subscribe(org, receiver.url)
    path = {"webhook_id": created["id"]}
    assert invoke("update_webhook", org.api_key, path_params=path, body={"url": None}).status == 422
    stale = invoke(
        "update_webhook", org.api_key, path_params=path, body={"description": "x"}, headers={"If-Match": '"9"'}
    )
    assert stale.status == 412
    changed = invoke("update_webhook", org.api_key, path_params=path, body={"event_types": ["incident.resolved"]})
    assert changed.status == 200 and changed.body["event_types"] == ["incident.resolved"]
    assert changed.body["version"] == 2


# ---- deliveries ------------------------------------------------------------------------------------------------


def test_a_delivery_is_signed_as_standard_webhooks_specifies_and_matches_the_documented_schema(org, table, receiver):
    created = subscribe(org, receiver.url)
    service_id = new_service(org)
    incident = new_incident(org, publish=True, severity="critical", affected_services=[service_id])
    deliver_outbound(table)
    got = receiver.wait_for(4)
    spec = openapi_spec.committed()
    types = []
    for request in got:
        body = Verifier(created["secret"]).verify(request.body, request.headers)  # raises unless signed right
        assert request.headers["webhook-id"].startswith("evt_")
        assert request.headers["content-type"] == "application/json"
        schema = spec["webhooks"][body["type"]]["post"]["requestBody"]["content"]["application/json"]["schema"]
        jsonschema.validate(body, schema | {"components": spec["components"]})
        types.append(body["type"])
    assert sorted(types) == sorted(["incident.created", "incident.published", "service.status_changed"])
    created_event = next(json.loads(r.body) for r in got if json.loads(r.body)["type"] == "incident.created")
    assert created_event["data"]["incident"]["id"] == incident["id"]
    assert created_event["data"]["incident"]["reference"] == incident["reference"]
    assert created_event["data"]["incident"]["created_by"]["id"] == key_id(org.api_key)
    status = next(json.loads(r.body) for r in got if json.loads(r.body)["type"] == "service.status_changed")
    assert status["data"]["from"] == "operational" and status["data"]["to"] == "major_outage"
    assert status["data"]["cause"] == [
        {"type": "incident", "id": incident["id"], "change": "added", "severity": "critical"}
    ]


def test_a_subscription_gets_only_the_types_it_asked_for_and_a_disabled_one_nothing(org, table, receiver):
    subscribe(org, receiver.url, event_types=["incident.resolved"])
    off = subscribe(org, receiver.url.replace("/hooks/flare", "/off"), enabled=False)
    incident = new_incident(org, publish=True)
    invoke("resolve_incident", org.api_key, path_params={"incident_id": incident["id"]}, body={})
    deliver_outbound(table)
    assert [p["type"] for p in payloads(receiver)] == ["incident.resolved"]
    assert deliveries(org, off["id"]) == []


def test_a_failing_receiver_is_retried_with_the_same_id_and_the_attempts_are_recorded(org, table, receiver):
    created = subscribe(org, receiver.url, event_types=["incident.created"])
    receiver.script = [Answer(500), Answer(503)]
    new_incident(org)
    deliver_outbound(table)
    (delivery,) = deliveries(org, created["id"])
    assert delivery["status"] == "pending" and [a["response_status"] for a in delivery["attempts"]] == [500]
    assert delivery["next_attempt_at"] is not None
    retry_waiting(table)
    retry_waiting(table)
    (delivery,) = deliveries(org, created["id"])
    assert delivery["status"] == "delivered" and delivery["next_attempt_at"] is None
    assert [a["response_status"] for a in delivery["attempts"]] == [500, 503, 204]
    assert all(a["trigger"] == "automatic" and a["latency_ms"] >= 0 for a in delivery["attempts"])
    assert len({request.headers["webhook-id"] for request in receiver.received}) == 1
    assert len(receiver.received) == 3
    # Nothing more comes: a delivered delivery handed out again is not sent again.
    assert retry_waiting(table) == 0 and len(receiver.received) == 3


def test_retry_after_of_a_429_is_honoured(org, table, receiver):
    created = subscribe(org, receiver.url, event_types=["incident.created"])
    receiver.script = [Answer(429, retry_after="120")]
    clock.set_clock(lambda: T0)
    new_incident(org)
    deliver_outbound(table)
    (delivery,) = deliveries(org, created["id"])
    assert delivery["next_attempt_at"] == "2026-06-01T02:02:00.000Z"  # T0 + 120 s, not the schedule's 5 s
    retry_waiting(table)
    assert deliveries(org, created["id"])[0]["status"] == "delivered"


def test_an_endpoint_that_times_out_is_retried(org, table, receiver, monkeypatch):
    monkeypatch.setattr(sending, "TIMEOUT_SECONDS", 0.5)
    sending._client.cache_clear()
    created = subscribe(org, receiver.url, event_types=["incident.created"])
    receiver.script = [Answer(204, pause=1.5)]
    new_incident(org)
    deliver_outbound(table)
    (delivery,) = deliveries(org, created["id"])
    assert delivery["status"] == "pending"
    assert delivery["attempts"][0]["response_status"] is None and "no answer" in delivery["attempts"][0]["error"]
    sending._client.cache_clear()


def test_410_gone_disables_the_subscription_saying_why_and_nothing_more_is_sent(org, table, receiver):
    created = subscribe(org, receiver.url)
    receiver.default = Answer(410)
    new_incident(org)
    deliver_outbound(table)
    shown = webhook(org, created["id"])
    assert shown["enabled"] is False and "410" in shown["disabled_reason"]
    sent = len(receiver.received)
    new_incident(org, title="Another")
    deliver_outbound(table)
    retry_waiting(table)
    assert len(receiver.received) == sent
    # Enabled again by a person: what Flare learnt is forgotten.
    enabled = invoke("update_webhook", org.api_key, path_params={"webhook_id": created["id"]}, body={"enabled": True})
    assert enabled.body["enabled"] is True and enabled.body["disabled_reason"] is None


def test_a_delivery_that_fails_every_attempt_ends_failed(org, table, receiver):
    created = subscribe(org, receiver.url, event_types=["incident.created"])
    receiver.default = Answer(500)
    new_incident(org)
    deliver_outbound(table)
    for _ in range(rules.MAX_ATTEMPTS):
        retry_waiting(table)
    (delivery,) = deliveries(org, created["id"])
    assert delivery["status"] == "failed" and len(delivery["attempts"]) == rules.MAX_ATTEMPTS
    assert delivery["next_attempt_at"] is None and len(receiver.received) == rules.MAX_ATTEMPTS


def test_an_endpoint_failing_for_days_is_disabled_saying_why(org, table, receiver):
    created = subscribe(org, receiver.url, event_types=["incident.created"])
    receiver.default = Answer(503)
    clock.set_clock(lambda: T0)
    new_incident(org)
    deliver_outbound(table)
    assert webhook(org, created["id"])["failing_since"] == "2026-06-01T02:00:00.000Z"
    clock.set_clock(lambda: T0 + rules.DISABLE_AFTER)
    retry_waiting(table)
    shown = webhook(org, created["id"])
    assert shown["enabled"] is False
    assert "every delivery failed since 2026-06-01T02:00:00.000Z" in shown["disabled_reason"]
    assert "HTTP 503" in shown["disabled_reason"]


def test_a_success_clears_failing_since(org, table, receiver):
    created = subscribe(org, receiver.url, event_types=["incident.created"])
    receiver.script = [Answer(500)]
    new_incident(org)
    deliver_outbound(table)
    assert webhook(org, created["id"])["failing_since"] is not None
    retry_waiting(table)
    assert webhook(org, created["id"])["failing_since"] is None


def test_a_name_is_checked_at_send_time_on_the_addresses_it_resolves_to(org, table, receiver, monkeypatch):
    url = receiver.url.replace("127.0.0.1", "localhost")
    created = subscribe(org, url, event_types=["incident.created"])  # allowed here: the local stack's loopback
    monkeypatch.setenv("OUTBOUND_ALLOW_LOOPBACK", "false")  # as deployed
    settings.forget()
    new_incident(org)
    deliver_outbound(table)
    assert receiver.received == []
    (delivery,) = deliveries(org, created["id"])
    assert delivery["status"] == "failed"
    assert (
        "resolves to 127.0.0.1" in delivery["attempts"][0]["error"]
        or "resolves to ::1" in delivery["attempts"][0]["error"]
    )


def test_a_slow_endpoint_does_not_delay_another_subscriber(org, table):
    with webhook_receiver() as slow, webhook_receiver() as fast:
        slow.default = Answer(204, pause=2)
        # The newest subscription's delivery comes first in the batch: the slow one, ahead of the fast one.
        subscribe(org, fast.url, event_types=["incident.created"])
        subscribe(org, slow.url, event_types=["incident.created"])
        new_incident(org)
        deliver_outbound(table)
        (slow_request,), (fast_request,) = slow.received, fast.received
        assert fast_request.at < slow_request.at + 1  # the fast one was not held behind the slow one's 2 s


def test_redelivery_adds_a_manual_attempt(org, table, receiver):
    created = subscribe(org, receiver.url, event_types=["incident.created"])
    new_incident(org)
    deliver_outbound(table)
    (delivery,) = deliveries(org, created["id"])
    path = {"webhook_id": created["id"], "delivery_id": delivery["id"]}
    reply = invoke("redeliver_webhook_delivery", org.api_key, path_params=path)
    assert reply.status == 202 and reply.body["id"] == delivery["id"]
    deliver_outbound(table)
    (delivery,) = deliveries(org, created["id"])
    assert [a["trigger"] for a in delivery["attempts"]] == ["automatic", "manual"]
    first, again = receiver.received
    assert first.body == again.body and first.headers["webhook-id"] == again.headers["webhook-id"]
    unknown = {"webhook_id": created["id"], "delivery_id": "dlv_01KAQ6000000000000000000ZZ"}
    assert invoke("redeliver_webhook_delivery", org.api_key, path_params=unknown).status == 404


def test_rotation_signs_with_both_secrets_for_a_day_then_only_the_new_one(org, table, receiver):
    created = subscribe(org, receiver.url, event_types=["incident.created"])
    now = clock.now()
    rotated = invoke("rotate_webhook_secret", org.api_key, path_params={"webhook_id": created["id"]})
    assert rotated.status == 200 and rotated.body["secret"] != created["secret"]
    expires = datetime.fromisoformat(rotated.body["previous_secret_expires_at"])
    assert timedelta(hours=24) <= expires - now < timedelta(hours=24, minutes=1)
    new_incident(org)
    deliver_outbound(table)
    (request,) = receiver.received
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (created["secret"], rotated.body["secret"]):
        Verifier(secret).verify(request.body, request.headers)  # each receiver's copy of a secret verifies
    a_day_later = expires + timedelta(seconds=1)
    clock.set_clock(lambda: a_day_later)
    new_incident(org, title="Later")
    deliver_outbound(table)
    later = receiver.received[-1]
    expected = Verifier(rotated.body["secret"]).sign(later.headers["webhook-id"], a_day_later, later.body)
    assert later.headers["webhook-signature"] == expected  # the old secret signs no more


def test_deleting_a_webhook_deletes_its_deliveries(org, table, receiver):
    created = subscribe(org, receiver.url, event_types=["incident.created"])
    new_incident(org)
    deliver_outbound(table)
    assert invoke("delete_webhook", org.api_key, path_params={"webhook_id": created["id"]}).status == 204
    assert not [item for item in table.items() if created["id"] in item["PK"]["S"]]


def test_a_redirect_is_not_followed_and_fails_the_delivery(org, table):
    with webhook_receiver() as redirecting, webhook_receiver() as elsewhere:
        redirecting.default = Answer(301, location=elsewhere.url)
        created = subscribe(org, redirecting.url, event_types=["incident.created"])
        new_incident(org)
        deliver_outbound(table)
        assert elsewhere.received == []
    (delivery,) = deliveries(org, created["id"])
    assert delivery["status"] == "failed" and delivery["attempts"][0]["response_status"] == 301


def test_the_largest_change_an_incident_can_have_is_delivered(org, table, receiver):
    """10,000 characters outside ASCII before and after, and 8 KB of metadata: the event still fits the queue's
    message and the webhook's body."""
    created = subscribe(org, receiver.url, event_types=["incident.updated"])
    incident = new_incident(org, description="😀" * 10_000, metadata={"k": "x" * 8_000})
    changed = invoke(
        "update_incident", org.api_key, path_params={"incident_id": incident["id"]}, body={"description": "🔥" * 10_000}
    )
    assert changed.status == 200, changed.body
    deliver_outbound(table)
    (request,) = receiver.wait_for(1)
    body = Verifier(created["secret"]).verify(request.body, request.headers)
    assert body["data"]["changes"]["description"]["after"] == "🔥" * 10_000
    assert len(request.body) > 100_000


def test_a_retry_holds_the_later_deliveries_of_its_group_only_as_long_as_itself(org, table, receiver, monkeypatch):
    """The incident's `published` waits behind its `created` while that one waits for its retry, and goes right
    after it: not after the queue's visibility timeout (12 minutes)."""
    monkeypatch.setattr(rules, "RETRY_SCHEDULE", (1, *rules.RETRY_SCHEDULE[1:]))
    subscribe(org, receiver.url, event_types=["incident.created", "incident.published"])
    receiver.script = [Answer(503)]
    new_incident(org, publish=True)
    deliver_outbound(table)
    assert [p["type"] for p in payloads(receiver)] == ["incident.created"]  # the published one waits behind it
    time.sleep(1.5)  # the retry's second passes: nothing else is made visible
    deliver_outbound(table)
    assert [p["type"] for p in payloads(receiver)] == ["incident.created", "incident.created", "incident.published"]
