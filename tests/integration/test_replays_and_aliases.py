"""Nothing applied twice: one Idempotency-Key is one request whatever spelling of the path carries it, its replay
goes only to the caller that made it, a replayed delivery (PagerDuty's and Datadog's by their event ids, signed
Grafana's; Slack's are in test_slack.py) is not acted on again, and dedupe keys that differ are never taken for
each other."""

import json
import time

import pytest

from flare.incidents.dedupe import dedupe_key_text
from tests.support.invoking import invoke
from tests.support.receivers import (
    GRAFANA_SECRET,
    assert_outcome,
    connect,
    datadog,
    deliver,
    grafana,
    grafana_signed,
    pagerduty,
)

# ---- Idempotency-Key: bound to the resource and to its caller ------------------------------------------------


def messages_of(org, incident_id: str) -> list[dict]:
    return invoke("list_incident_messages", org.api_key, path_params={"incident_id": incident_id}).body["messages"]


def test_one_idempotency_key_is_one_message_whichever_way_the_path_names_the_incident(org):
    incident = invoke("create_incident", org.api_key, body={"title": "Checkout is down"}).body
    reference = incident["reference"]
    body = {"type": "identified", "description": "Bad deploy"}

    replies = [
        invoke(
            "create_incident_message",
            org.api_key,
            path_params={"incident_id": spelling},
            body=body,
            headers={"Idempotency-Key": "post-once"},
        )
        for spelling in (incident["id"], reference, reference.lower())
    ]

    assert [reply.status for reply in replies] == [201, 201, 201]
    assert [reply.headers.get("Idempotent-Replayed") for reply in replies] == [None, "true", "true"]
    assert len({reply.body["id"] for reply in replies}) == 1
    assert [message["type"] for message in messages_of(org, incident["id"])] == ["identified"]


@pytest.mark.parametrize("action", ["resolve_incident", "publish_incident"])
def test_actions_by_reference_and_by_id_share_their_idempotency_record(org, action):
    incident = invoke("create_incident", org.api_key, body={"title": "Checkout is down"}).body
    first = invoke(action, org.api_key, path_params={"incident_id": incident["reference"]}, body=None,
                   headers={"Idempotency-Key": "act-once"})  # fmt: skip
    again = invoke(action, org.api_key, path_params={"incident_id": incident["id"]}, body=None,
                   headers={"Idempotency-Key": "act-once"})  # fmt: skip

    assert first.status == again.status == 200
    assert again.headers.get("Idempotent-Replayed") == "true"


def another_admin_key(org) -> str:
    reply = invoke("create_api_key", org.api_key, body={"name": "second admin", "scopes": ["admin"]})
    assert reply.status == 201, reply.body
    return reply.body["key"]


@pytest.mark.parametrize(
    ("function", "body", "secret_field"),
    [
        ("create_api_key", {"name": "ci", "scopes": ["write:incidents"]}, "key"),
        (
            "create_integration",
            {"type": "pagerduty", "name": "pd", "signing_secret": "whsec-pd-0001"},
            "signing_secret",
        ),
    ],
    ids=["api key", "integration secret"],
)
def test_a_replay_that_would_show_a_secret_goes_only_to_the_caller_that_made_it(
    org, table, function, body, secret_field
):
    other = another_admin_key(org)
    first = invoke(function, org.api_key, body=body, headers={"Idempotency-Key": "make-it-once"})
    assert first.status == 201 and first.body[secret_field]
    before = table.items()

    stolen = invoke(function, other, body=body, headers={"Idempotency-Key": "make-it-once"})

    assert stolen.status == 422, stolen.body
    assert stolen.problem_fields == ["Idempotency-Key"]
    assert first.body[secret_field] not in json.dumps(stolen.body)
    assert table.items() == before  # and nothing was made again
    mine = invoke(function, org.api_key, body=body, headers={"Idempotency-Key": "make-it-once"})
    assert (mine.headers.get("Idempotent-Replayed"), mine.body) == ("true", first.body)


# ---- replayed deliveries --------------------------------------------------------------------------------------


def _with_event_id(body: bytes, *path: str) -> bytes:
    """The delivery with a fixed event id at `path`: one notification, captured to be sent again."""
    payload = json.loads(body)
    *parents, last = path
    target = payload
    for key in parents:
        target = target[key]
    target[last] = "7417283490122300001"
    return json.dumps(payload).encode()


# (sender, its firing, its resolve with a fixed event id, its reopening)
RESOLVE_REPLAYS = [
    (
        "pagerduty",
        pagerduty,
        lambda: _with_event_id(pagerduty("incident.resolved"), "event", "id"),
        lambda: pagerduty("incident.reopened"),
    ),
    ("datadog", datadog, lambda: _with_event_id(datadog("Recovered"), "id"), lambda: datadog("Re-Triggered")),
]


@pytest.mark.parametrize(
    ("kind", "firing", "resolve", "reopening"), RESOLVE_REPLAYS, ids=[r[0] for r in RESOLVE_REPLAYS]
)
def test_a_resolve_sent_again_after_a_reopen_does_not_resolve_the_incident(org, kind, firing, resolve, reopening):
    """PagerDuty's event.id and Datadog's $ID: a retried or captured resolve is recognised, not acted on."""
    hook = connect(org, kind)
    opened = assert_outcome(deliver(hook, firing(), org.api_key), "created", 201)
    captured = resolve()
    assert_outcome(deliver(hook, captured, org.api_key, redelivery=True), "resolved")
    assert_outcome(deliver(hook, reopening(), org.api_key), "reopened")

    replayed = assert_outcome(deliver(hook, captured, org.api_key, redelivery=True), "ignored")

    assert "received before" in replayed["detail"]
    after = invoke("get_incident", org.api_key, path_params={"incident_id": opened["incident_id"]}).body
    assert after["status"] == "investigating" and after["lifecycle"] != "resolved"


def test_pagerdutys_redelivery_of_a_trigger_is_not_counted_twice(org):
    hook = connect(org, "pagerduty")
    trigger = pagerduty()

    opened = assert_outcome(deliver(hook, trigger, org.api_key, redelivery=True), "created", 201)
    again = assert_outcome(deliver(hook, trigger, org.api_key, redelivery=True), "ignored")

    assert again["incident_id"] is None
    incident = invoke("get_incident", org.api_key, path_params={"incident_id": opened["incident_id"]}).body
    assert incident["occurrences"] == 1


def test_a_datadog_template_without_the_event_id_still_resolves_and_repeats(org):
    hook = connect(org, "datadog")
    firing = json.loads(datadog())
    del firing["id"]  # an older copy of Flare's template
    body = json.dumps(firing).encode()

    assert_outcome(deliver(hook, body, org.api_key), "created", 201)
    assert assert_outcome(deliver(hook, body, org.api_key), "absorbed")["occurrences"] == 2
    recovered = json.loads(datadog("Recovered"))
    del recovered["id"]
    assert_outcome(deliver(hook, json.dumps(recovered).encode(), org.api_key), "resolved")


def test_a_replayed_signed_grafana_delivery_is_not_acted_on_again(org):
    hook = connect(org, "grafana", signing_secret=GRAFANA_SECRET)
    body = grafana()
    headers = grafana_signed(body, int(time.time()))

    assert_outcome(deliver(hook, body, org.api_key, headers=headers), "created", 201)
    assert_outcome(deliver(hook, body, org.api_key, headers=headers), "ignored")
    # Signed again (a new request with the same alert): a repeat, counted as always.
    assert_outcome(deliver(hook, body, org.api_key, headers=grafana_signed(body, int(time.time()) + 1)), "absorbed")


def test_unsigned_senders_repeat_as_before(org):
    hook = connect(org, "grafana")
    body = grafana()

    assert_outcome(deliver(hook, body, org.api_key), "created", 201)
    assert assert_outcome(deliver(hook, body, org.api_key), "absorbed")["occurrences"] == 2


# ---- dedupe keys are told apart -----------------------------------------------------------------------------


def test_dedupe_keys_that_only_join_alike_are_different_incidents(org):
    first = invoke("create_incident", org.api_key, body={"title": "a", "source": "a\0b", "external_id": "c"})
    second = invoke("create_incident", org.api_key, body={"title": "b", "source": "a", "external_id": "b\0c"})

    assert (first.status, second.status) == (201, 201)
    assert first.body["id"] != second.body["id"]


def test_the_dedupe_key_encoding_is_unambiguous_and_keeps_every_earlier_key():
    assert dedupe_key_text("a\0b", "c") != dedupe_key_text("a", "b\0c")
    assert dedupe_key_text("", "a\0b") != dedupe_key_text("a", "b")
    # Keys without a NUL are stored exactly as before (their claims are found after an upgrade).
    assert dedupe_key_text("runbook", "checkout-502") == "runbook\0checkout-502"
    assert dedupe_key_text(None, "x") == "\0x"
