"""Alert receivers end to end: what the alerting tools really send (tests/fixtures/vendors, and variants built
from them here), through the handlers with the real authorizer, to the incidents a user then reads.

Each receiver is taken through the dedupe lifecycle (create, absorb, resolve, reopen, open anew after the
cooldown); then each sender's particulars (grouping, ignored events, signatures), the integration's settings
(severity mapping, services, publish), who may deliver, and storms of concurrent deliveries.
"""

import json
import threading

import pytest

from flare import clock as flare_clock
from flare.alerting import receiving as alerts
from flare.store import incidents as incidents_store
from tests.support import WRITERS, caller_of, new_service, race
from tests.support.invoking import invoke
from tests.support.receivers import (
    AM_FIRING,
    AM_RESOLVED,
    DATADOG_DEFAULT_TEMPLATE,
    GRAFANA_DOCS,
    GRAFANA_SECRET,
    OPSGENIE_CREATE,
    PAGERDUTY_PRIORITY_UPDATED,
    PAGERDUTY_SECRET,
    Clock,
    alertmanager_group,
    assert_outcome,
    assert_signature_refused,
    connect,
    datadog,
    deliver,
    dumps,
    each_vendor,
    grafana,
    grafana_signed,
    hex_hmac,
    incident,
    incident_ids,
    message_types,
    opsgenie,
    pagerduty,
    service_status,
    vendor_bytes,
    vendor_json,
)


@pytest.fixture
def clock(table):
    fake = Clock()
    flare_clock.set_clock(fake)
    yield fake
    flare_clock.set_clock(None)


# ---- the dedupe lifecycle, for every receiver ------------------------------------------------------------


@each_vendor
def test_firing_opens_an_incident_with_the_alerts_title_severity_and_service(org, vendor):
    service_id = new_service(org, vendor.service_name)
    hook = connect(org, vendor.kind)

    reply = deliver(hook, vendor.firing, org.api_key)

    received = assert_outcome(reply, "created", 201)
    assert received["occurrences"] == 1
    assert reply.headers["Location"] == f"/api/v1/incidents/{received['incident_id']}"
    found = incident(org, received["incident_id"])
    assert (found["title"], found["severity"], found["status"]) == (vendor.title, vendor.severity, "investigating")
    assert [service["id"] for service in found["affected_services"]] == [service_id]
    assert (found["source"], found["lifecycle"]) == (vendor.kind, "draft")
    assert found["metadata"]["integration_id"] == hook["id"]
    assert "unmatched_services" not in found["metadata"]
    assert message_types(found) == ["investigating"]


@each_vendor
def test_identical_repeat_is_absorbed_into_the_same_incident(org, clock, vendor):
    hook = connect(org, vendor.kind)
    first = assert_outcome(deliver(hook, vendor.firing, org.api_key), "created", 201)
    opened = incident(org, first["incident_id"])
    clock.advance(minutes=2)

    repeat = assert_outcome(deliver(hook, vendor.firing, org.api_key), "absorbed")

    assert (repeat["incident_id"], repeat["occurrences"]) == (first["incident_id"], 2)
    found = incident(org, first["incident_id"])
    assert found["occurrences"] == 2
    assert message_types(found) == ["investigating"]
    assert found["last_seen_at"] > opened["last_seen_at"]
    assert incident_ids(org) == [first["incident_id"]]


@each_vendor
def test_resolve_resolves_the_incident_with_a_resolved_message(org, vendor):
    hook = connect(org, vendor.kind)
    opened = deliver(hook, vendor.firing, org.api_key).body

    resolved = assert_outcome(deliver(hook, vendor.resolved, org.api_key), "resolved")

    assert resolved["incident_id"] == opened["incident_id"]
    found = incident(org, opened["incident_id"])
    assert (found["status"], found["lifecycle"]) == ("resolved", "resolved")
    assert found["resolved_at"] is not None
    assert message_types(found) == ["resolved", "investigating"]


@each_vendor
def test_resolve_again_is_ignored(org, table, vendor):
    hook = connect(org, vendor.kind)
    deliver(hook, vendor.firing, org.api_key)
    assert_outcome(deliver(hook, vendor.resolved, org.api_key), "resolved")
    before = table.items()

    again = assert_outcome(deliver(hook, vendor.resolved, org.api_key), "ignored")

    assert again["incident_id"] is None
    assert table.items() == before


@each_vendor
def test_resolve_with_nothing_open_is_ignored_and_writes_nothing(org, table, vendor):
    hook = connect(org, vendor.kind)
    before = table.items()

    assert_outcome(deliver(hook, vendor.resolved, org.api_key), "ignored")

    assert table.items() == before
    assert incident_ids(org) == []


@each_vendor
def test_firing_within_the_cooldown_reopens_the_incident(org, clock, vendor):
    hook = connect(org, vendor.kind)
    opened = deliver(hook, vendor.firing, org.api_key).body
    deliver(hook, vendor.resolved, org.api_key)
    clock.advance(minutes=29)

    reopened = assert_outcome(deliver(hook, vendor.firing, org.api_key), "reopened")

    assert reopened["incident_id"] == opened["incident_id"]
    found = incident(org, opened["incident_id"])
    assert (found["status"], found["reopen_count"], found["resolved_at"]) == ("investigating", 1, None)
    assert message_types(found) == ["investigating", "resolved", "investigating"]
    assert incident_ids(org) == [opened["incident_id"]]


@each_vendor
def test_firing_after_the_cooldown_opens_a_new_incident(org, clock, vendor):
    hook = connect(org, vendor.kind)
    opened = deliver(hook, vendor.firing, org.api_key).body
    deliver(hook, vendor.resolved, org.api_key)
    clock.advance(minutes=31)

    fresh = assert_outcome(deliver(hook, vendor.firing, org.api_key), "created", 201)

    assert fresh["incident_id"] != opened["incident_id"]
    assert incident(org, opened["incident_id"])["status"] == "resolved"
    assert incident(org, fresh["incident_id"])["status"] == "investigating"
    # The new incident holds the alert now: its resolve lands there.
    resolved = assert_outcome(deliver(hook, vendor.resolved, org.api_key), "resolved")
    assert resolved["incident_id"] == fresh["incident_id"]


@each_vendor
def test_zero_cooldown_opens_a_new_incident_right_after_resolve(org, vendor):
    hook = connect(org, vendor.kind, cooldown_minutes=0)
    opened = deliver(hook, vendor.firing, org.api_key).body
    assert_outcome(deliver(hook, vendor.resolved, org.api_key), "resolved")

    fresh = assert_outcome(deliver(hook, vendor.firing, org.api_key), "created", 201)

    assert fresh["incident_id"] != opened["incident_id"]
    assert incident(org, opened["incident_id"])["reopen_count"] == 0


@each_vendor
def test_cooldown_is_the_integrations(org, clock, vendor):
    hook = connect(org, vendor.kind, cooldown_minutes=5)
    opened = deliver(hook, vendor.firing, org.api_key).body
    deliver(hook, vendor.resolved, org.api_key)
    clock.advance(minutes=6)

    fresh = assert_outcome(deliver(hook, vendor.firing, org.api_key), "created", 201)

    assert fresh["incident_id"] != opened["incident_id"]


# ---- who may deliver where ------------------------------------------------------------------------------


@each_vendor
def test_no_api_key_is_401(org, table, vendor):
    hook = connect(org, vendor.kind)
    before = table.items()

    assert deliver(hook, vendor.firing, None).status == 401
    assert table.items() == before


@each_vendor
def test_key_without_write_incidents_is_403(org, table, vendor):
    hook = connect(org, vendor.kind)
    reader = invoke("create_api_key", org.api_key, body={"name": "reader", "scopes": ["read:incidents"]}).body
    before = table.items()

    assert deliver(hook, vendor.firing, reader["key"]).status == 403
    assert table.items() == before


def test_a_key_made_for_the_sender_with_write_incidents_only_may_deliver(org):
    hook = connect(org, "alertmanager")
    sender = invoke("create_api_key", org.api_key, body={"name": "alertmanager", "scopes": ["write:incidents"]})

    assert_outcome(deliver(hook, AM_FIRING, sender.body["key"]), "created", 201)


@each_vendor
def test_another_organisations_key_is_404_and_files_nothing(org, other_org, table, vendor):
    hook = connect(org, vendor.kind)
    before = table.items()

    assert deliver(hook, vendor.firing, other_org.api_key).status == 404

    assert table.items() == before
    assert incident_ids(other_org) == []


@each_vendor
def test_unknown_integration_is_404(org, table, vendor):
    hook = connect(org, vendor.kind)
    before = table.items()

    for unknown in ("int_01KAQ60000000000000000000N", "not-an-id"):
        assert deliver(hook | {"id": unknown}, vendor.firing, org.api_key).status == 404
    assert table.items() == before


@pytest.mark.parametrize(("kind", "posted_to"), [("alertmanager", "grafana"), ("grafana", "alertmanager")])
def test_integration_of_another_type_is_404(org, table, kind, posted_to):
    hook = connect(org, kind)
    before = table.items()

    assert deliver(hook, GRAFANA_DOCS, org.api_key, kind=posted_to).status == 404
    assert table.items() == before


def test_deleted_integration_stops_answering(org, table):
    hook = connect(org, "alertmanager")
    assert invoke("delete_integration", org.api_key, path_params={"integration_id": hook["id"]}).status == 204

    assert deliver(hook, AM_FIRING, org.api_key).status == 404
    assert incident_ids(org) == []


# ---- malformed bodies -----------------------------------------------------------------------------------


@each_vendor
def test_body_that_is_not_json_is_400_and_writes_nothing(org, table, vendor):
    hook = connect(org, vendor.kind)
    before = table.items()

    assert deliver(hook, b'{"status": "firing", ', org.api_key).status == 400
    assert table.items() == before


def test_alertmanager_body_without_group_key_is_422_naming_it(org, table):
    hook = connect(org, "alertmanager")
    payload = json.loads(AM_FIRING)
    del payload["groupKey"]
    before = table.items()

    reply = deliver(hook, dumps(payload), org.api_key)

    assert reply.status == 422
    assert "groupKey" in reply.problem_fields
    assert table.items() == before


def test_datadog_default_template_is_422_naming_alert_id(org, table):
    """Datadog's own default payload lacks what Flare keys on: the user is told to use Flare's template."""
    hook = connect(org, "datadog")
    before = table.items()

    reply = deliver(hook, DATADOG_DEFAULT_TEMPLATE, org.api_key)

    assert reply.status == 422
    assert "alert_id" in reply.problem_fields
    assert table.items() == before


def test_pagerduty_body_without_event_is_422(org, table):
    hook = connect(org, "pagerduty")
    before = table.items()

    reply = deliver(hook, dumps({"messages": []}), org.api_key)

    assert reply.status == 422
    assert "event" in reply.problem_fields
    assert table.items() == before


# ---- Alertmanager and Grafana: groups -------------------------------------------------------------------


def test_alertmanager_incident_carries_the_alerts_description_and_labels(org):
    hook = connect(org, "alertmanager")

    found = incident(org, deliver(hook, AM_FIRING, org.api_key).body["incident_id"])

    assert found["description"].startswith("HighErrorRate has been firing for checkout")
    assert found["metadata"]["group_key"] == '{}:{alertname="HighErrorRate", service="checkout"}'
    assert found["metadata"]["alerts"][0]["labels"]["instance"] == "checkout-1:8080"
    assert found["messages"][0]["description"] == "Alertmanager: 1 alert firing (HighErrorRate on checkout)"


def test_alertmanager_group_of_alerts_is_one_incident_at_the_worst_severity(org):
    hook = connect(org, "alertmanager")

    reply = deliver(hook, alertmanager_group(("firing", "warning"), ("firing", "critical")), org.api_key)

    received = assert_outcome(reply, "created", 201)
    found = incident(org, received["incident_id"])
    assert found["severity"] == "critical"
    assert found["metadata"]["alerts_firing"] == 2
    assert incident_ids(org) == [received["incident_id"]]


def test_grafana_group_of_alerts_is_one_incident_at_the_worst_severity(org):
    hook = connect(org, "grafana")

    received = assert_outcome(deliver(hook, grafana(severities=("info", "critical")), org.api_key), "created", 201)

    assert incident(org, received["incident_id"])["severity"] == "critical"
    assert incident_ids(org) == [received["incident_id"]]


def test_grafana_docs_payload_opens_one_incident_with_the_default_severity(org):
    hook = connect(org, "grafana", default_severity="minor")

    received = assert_outcome(deliver(hook, GRAFANA_DOCS, org.api_key), "created", 201)

    found = incident(org, received["incident_id"])
    assert (found["title"], found["severity"], found["affected_services"]) == ("[FIRING:2] (blue)", "minor", [])
    assert found["metadata"]["alerts_firing"] == 2


@pytest.mark.parametrize("kind", ["alertmanager", "grafana"])
def test_group_with_one_alert_resolved_is_absorbed_and_stays_unresolved(org, kind):
    hook = connect(org, kind)
    if kind == "alertmanager":
        firing = alertmanager_group(("firing", "critical"), ("firing", "critical"))
        mixed = alertmanager_group(("firing", "critical"), ("resolved", "critical"))
    else:
        firing = grafana()
        payload = json.loads(firing)
        payload["alerts"][1] |= {"status": "resolved", "endsAt": "2021-10-12T10:30:00+02:00"}
        mixed = dumps(payload)
    opened = deliver(hook, firing, org.api_key).body

    absorbed = assert_outcome(deliver(hook, mixed, org.api_key), "absorbed")

    assert (absorbed["incident_id"], absorbed["occurrences"]) == (opened["incident_id"], 2)
    found = incident(org, opened["incident_id"])
    assert found["status"] == "investigating"
    assert message_types(found) == ["investigating"]


def test_alertmanager_resolve_from_another_instance_of_the_group_resolves_it(org):
    """The captured resolved body is about checkout-2, the firing one about checkout-1: same group, one
    incident."""
    hook = connect(org, "alertmanager")
    opened = deliver(hook, AM_FIRING, org.api_key).body

    resolved = assert_outcome(deliver(hook, AM_RESOLVED, org.api_key), "resolved")

    assert resolved["incident_id"] == opened["incident_id"]


def test_alertmanager_another_group_is_another_incident(org):
    hook = connect(org, "alertmanager")
    payload = json.loads(AM_FIRING)
    payload["groupKey"] = '{}:{alertname="HighLatency", service="checkout"}'
    first = deliver(hook, AM_FIRING, org.api_key).body

    second = assert_outcome(deliver(hook, dumps(payload), org.api_key), "created", 201)

    assert second["incident_id"] != first["incident_id"]


# ---- ignored events -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("pagerduty", PAGERDUTY_PRIORITY_UPDATED),
        ("pagerduty", pagerduty("incident.acknowledged")),
        ("opsgenie", opsgenie("Acknowledge")),
        ("opsgenie", opsgenie("AddNote")),
        ("datadog", datadog("Null")),
        ("datadog", datadog("Muted")),
    ],
    ids=["pd-priority_updated", "pd-acknowledged", "og-Acknowledge", "og-AddNote", "dd-Null", "dd-Muted"],
)
def test_events_flare_does_not_act_on_are_ignored_and_write_nothing(org, table, kind, body):
    hook = connect(org, kind)
    before = table.items()

    received = assert_outcome(deliver(hook, body, org.api_key), "ignored")

    assert (received["incident_id"], received["occurrences"]) == (None, None)
    assert "not handled" in received["detail"]
    assert table.items() == before


def test_ignored_event_leaves_the_open_incident_alone(org):
    hook = connect(org, "opsgenie")
    opened = deliver(hook, OPSGENIE_CREATE, org.api_key).body

    assert_outcome(deliver(hook, opsgenie("Acknowledge"), org.api_key), "ignored")

    found = incident(org, opened["incident_id"])
    assert (found["status"], found["occurrences"], len(found["messages"])) == ("investigating", 1, 1)


def test_pagerduty_reopened_event_reopens_within_the_cooldown(org):
    hook = connect(org, "pagerduty")
    opened = deliver(hook, pagerduty(), org.api_key).body
    deliver(hook, pagerduty("incident.resolved"), org.api_key)

    reopened = assert_outcome(deliver(hook, pagerduty("incident.reopened"), org.api_key), "reopened")

    assert reopened["incident_id"] == opened["incident_id"]
    assert incident(org, opened["incident_id"])["reopen_count"] == 1


def test_opsgenie_docs_payload_keys_on_the_alias(org):
    hook = connect(org, "opsgenie")
    opened = assert_outcome(deliver(hook, OPSGENIE_CREATE, org.api_key), "created", 201)
    renamed = opsgenie(alertId="another-alert-id", message="test alert, again")

    assert_outcome(deliver(hook, renamed, org.api_key), "absorbed")
    other = assert_outcome(deliver(hook, opsgenie(alias="another-alias"), org.api_key), "created", 201)

    assert incident(org, opened["incident_id"])["external_id"] == f"{hook['id']}/aliastest"
    assert other["incident_id"] != opened["incident_id"]


# ---- signatures -----------------------------------------------------------------------------------------


def test_pagerduty_signed_with_the_integrations_secret_is_accepted(org):
    hook = connect(org, "pagerduty", signing_secret="my-own-pagerduty-secret")
    assert hook["signing_secret"] == "my-own-pagerduty-secret"

    assert_outcome(deliver(hook, pagerduty(), org.api_key), "created", 201)


def test_pagerduty_signature_during_secret_rotation_is_accepted(org):
    hook = connect(org, "pagerduty")
    body = pagerduty()
    header = f"v1={hex_hmac('the-old-secret', body)},v1={hex_hmac(PAGERDUTY_SECRET, body)}"

    reply = deliver(hook, body, org.api_key, headers={"X-PagerDuty-Signature": header})

    assert_outcome(reply, "created", 201)


@pytest.mark.parametrize(
    "header",
    [None, "", "v1=" + "0" * 64, "v1=" + hex_hmac("another-secret-entirely", pagerduty())],
    ids=["missing", "empty", "zeros", "other-secret"],
)
def test_pagerduty_bad_or_missing_signature_is_401_and_writes_nothing(org, table, header):
    hook = connect(org, "pagerduty") | {"signing_secret": None}
    before = table.items()

    reply = deliver(
        hook, pagerduty(), org.api_key, headers={"X-PagerDuty-Signature": header} if header is not None else None
    )

    assert_signature_refused(reply)
    assert table.items() == before


def test_pagerduty_signature_over_other_bytes_is_401(org, table):
    """The signature covers the raw body: the same JSON re-serialised does not pass."""
    hook = connect(org, "pagerduty")
    body = pagerduty()
    signature = "v1=" + hex_hmac(PAGERDUTY_SECRET, body)
    before = table.items()

    reply = deliver(
        hook | {"signing_secret": None},
        json.dumps(json.loads(body), indent=2).encode(),
        org.api_key,
        headers={"X-PagerDuty-Signature": signature},
    )

    assert_signature_refused(reply)
    assert table.items() == before


def test_pagerduty_published_signature_vector(org, table):
    """PagerDuty's own test vector: its valid signature passes (the event is then ignored), its mismatch not."""
    vector = vendor_json("pagerduty/go-pagerduty-signature-vector.json")
    body = vendor_bytes(f"pagerduty/{vector['body_file']}")
    hook = connect(org, "pagerduty", signing_secret=vector["secret"]) | {"signing_secret": None}
    before = table.items()

    valid = deliver(hook, body, org.api_key, headers={vector["header"]: vector["valid_signature"]})
    mismatch = deliver(hook, body, org.api_key, headers={vector["header"]: vector["mismatch_signature"]})

    assert_outcome(valid, "ignored")
    assert_signature_refused(mismatch)
    assert table.items() == before


def test_grafana_signed_with_a_fresh_timestamp_is_accepted(org, clock):
    hook = connect(org, "grafana", signing_secret=GRAFANA_SECRET)
    body = grafana()

    reply = deliver(hook, body, org.api_key, headers=grafana_signed(body, int(clock.now.timestamp()) - 60))

    assert_outcome(reply, "created", 201)


def test_grafana_signed_without_a_timestamp_is_accepted(org):
    hook = connect(org, "grafana", signing_secret=GRAFANA_SECRET)
    body = grafana()

    assert_outcome(deliver(hook, body, org.api_key, headers=grafana_signed(body, None)), "created", 201)


@pytest.mark.parametrize("case", ["stale", "future", "unsigned", "wrong-secret", "timestamp-swapped"])
def test_grafana_signature_refused_is_401_and_writes_nothing(org, table, clock, case):
    hook = connect(org, "grafana", signing_secret=GRAFANA_SECRET)
    body = grafana()
    now = int(clock.now.timestamp())
    headers = {
        "stale": grafana_signed(body, now - 301),
        "future": grafana_signed(body, now + 301),
        "unsigned": {},
        "wrong-secret": grafana_signed(body, now, secret="not-the-grafana-secret"),
        "timestamp-swapped": grafana_signed(body, now - 10) | {"X-Grafana-Alerting-Timestamp": str(now)},
    }[case]
    before = table.items()

    assert_signature_refused(deliver(hook, body, org.api_key, headers=headers))
    assert table.items() == before


def test_grafana_without_a_secret_accepts_unsigned_deliveries(org):
    hook = connect(org, "grafana")
    assert hook["signed"] is False

    assert_outcome(deliver(hook, GRAFANA_DOCS, org.api_key), "created", 201)


@pytest.mark.parametrize("kind", ["alertmanager", "datadog", "opsgenie"])
def test_signing_secret_is_refused_for_senders_that_do_not_sign(org, table, kind):
    before = table.items()

    reply = invoke("create_integration", org.api_key, body={"type": kind, "name": kind, "signing_secret": "s" * 16})

    assert reply.status == 422
    assert "signing_secret" in reply.problem_fields[0]
    assert table.items() == before


def test_pagerduty_integration_requires_a_signing_secret(org):
    reply = invoke("create_integration", org.api_key, body={"type": "pagerduty", "name": "pd"})

    assert reply.status == 422
    assert "signing_secret" in reply.problem_fields[0]


# ---- the integration's settings -------------------------------------------------------------------------


def test_severity_mapping_overrides_the_default(org):
    hook = connect(org, "alertmanager", severity_mapping={"Critical": "minor"})

    received = deliver(hook, AM_FIRING, org.api_key).body

    assert incident(org, received["incident_id"])["severity"] == "minor"


@pytest.mark.parametrize(
    ("kind", "mapping", "body", "expected"),
    [
        ("datadog", {"p2": "critical"}, datadog(), "critical"),
        ("pagerduty", {"P1": "low"}, pagerduty(), "low"),
        ("opsgenie", {"P3": "major"}, opsgenie(priority="P3"), "major"),
        ("grafana", {"warning": "major"}, grafana(), "major"),
    ],
    ids=["datadog", "pagerduty", "opsgenie", "grafana"],
)
def test_severity_mapping_override_applies_to_every_sender(org, kind, mapping, body, expected):
    hook = connect(org, kind, severity_mapping=mapping)

    received = assert_outcome(deliver(hook, body, org.api_key), "created", 201)

    assert incident(org, received["incident_id"])["severity"] == expected


def test_pagerduty_without_priority_uses_the_urgency(org):
    hook = connect(org, "pagerduty")

    received = deliver(hook, pagerduty(priority=None, urgency="low"), org.api_key).body

    assert incident(org, received["incident_id"])["severity"] == "low"


def test_unmapped_severity_falls_back_to_the_default_severity(org):
    hook = connect(org, "opsgenie", default_severity="critical")

    received = deliver(hook, opsgenie(priority="whenever"), org.api_key).body

    assert incident(org, received["incident_id"])["severity"] == "critical"


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("alertmanager", alertmanager_group(("firing", "critical"), ("firing", "critical"))),
        ("datadog", datadog()),
        ("opsgenie", opsgenie(tags=["service:checkout", "service:Ledger"])),
    ],
    ids=["alertmanager", "datadog", "opsgenie"],
)
def test_services_named_by_the_alert_are_matched_and_unknown_ones_reported(org, kind, body):
    payload = json.loads(body)
    if kind == "alertmanager":
        payload["alerts"][1]["labels"]["service"] = "Ledger"
    elif kind == "datadog":
        payload["tags"] += ",service:Ledger"
    checkout = new_service(org, "Checkout")
    hook = connect(org, kind, default_services=[new_service(org, "Fallback")])

    received = deliver(hook, dumps(payload), org.api_key).body

    found = incident(org, received["incident_id"])
    assert [service["id"] for service in found["affected_services"]] == [checkout]
    assert found["metadata"]["unmatched_services"] == ["Ledger"]


def test_default_services_when_no_named_service_matches(org):
    default = new_service(org, "Platform")
    hook = connect(org, "alertmanager", default_services=[default])

    received = deliver(hook, AM_FIRING, org.api_key).body

    found = incident(org, received["incident_id"])
    assert [service["id"] for service in found["affected_services"]] == [default]
    assert found["metadata"]["unmatched_services"] == ["checkout"]


def test_pagerduty_service_is_matched_by_its_summary(org):
    api = new_service(org, "API SERVICE")
    hook = connect(org, "pagerduty")

    received = deliver(hook, pagerduty(), org.api_key).body

    assert [service["id"] for service in incident(org, received["incident_id"])["affected_services"]] == [api]


def test_alert_naming_no_service_uses_the_default_services(org):
    default = new_service(org, "Platform")
    hook = connect(org, "opsgenie", default_services=[default])

    received = deliver(hook, OPSGENIE_CREATE, org.api_key).body

    found = incident(org, received["incident_id"])
    assert [service["id"] for service in found["affected_services"]] == [default]
    assert "unmatched_services" not in found["metadata"]


def test_deleted_default_service_does_not_refuse_the_alert(org):
    default = new_service(org, "Platform")
    hook = connect(org, "alertmanager", default_services=[default])
    assert invoke("delete_service", org.api_key, path_params={"service_id": default}).status == 204

    received = assert_outcome(deliver(hook, AM_FIRING, org.api_key), "created", 201)

    assert incident(org, received["incident_id"])["affected_services"] == []


def test_publishing_integration_makes_the_incident_active_and_moves_the_service(org):
    checkout = new_service(org, "Checkout")
    hook = connect(org, "alertmanager", publish=True)

    opened = deliver(hook, AM_FIRING, org.api_key).body

    found = incident(org, opened["incident_id"])
    assert (found["lifecycle"], found["affected_services"][0]["status"]) == ("active", "major_outage")
    assert service_status(org, checkout) == "major_outage"
    deliver(hook, AM_RESOLVED, org.api_key)
    assert service_status(org, checkout) == "operational"
    deliver(hook, AM_FIRING, org.api_key)  # reopened within the cooldown
    assert service_status(org, checkout) == "major_outage"


def test_draft_incident_leaves_the_service_operational(org):
    checkout = new_service(org, "Checkout")
    hook = connect(org, "alertmanager")

    opened = deliver(hook, AM_FIRING, org.api_key).body

    assert incident(org, opened["incident_id"])["lifecycle"] == "draft"
    assert service_status(org, checkout) == "operational"


# ---- storms ---------------------------------------------------------------------------------------------


def _storm(caller, integration_id: str, body: bytes) -> list:
    return race(lambda _: alerts.receive(caller, "alertmanager", integration_id, body, {}))


def test_storm_of_identical_firings_files_one_incident(org, table):
    caller = caller_of(org)
    hook = connect(org, "alertmanager")

    results = _storm(caller, hook["id"], AM_FIRING)

    outcomes = [result.outcome for result in results]
    assert outcomes.count("created") == 1
    assert outcomes.count("absorbed") == len(results) - 1
    assert len({result.incident_id for result in results}) == 1
    assert incident_ids(org) == [results[0].incident_id]
    found = incident(org, results[0].incident_id)
    assert found["occurrences"] == len(results)
    assert message_types(found) == ["investigating"]


def test_storm_of_firings_right_after_resolve_reopens_once(org, table, monkeypatch):
    caller = caller_of(org)
    hook = connect(org, "alertmanager")
    opened = deliver(hook, AM_FIRING, org.api_key).body
    assert_outcome(deliver(hook, AM_RESOLVED, org.api_key), "resolved")
    _all_see_the_resolved_claim_first(monkeypatch)

    results = _storm(caller, hook["id"], AM_FIRING)

    outcomes = [result.outcome for result in results]
    assert outcomes.count("reopened") == 1
    assert outcomes.count("absorbed") == len(results) - 1
    assert {result.incident_id for result in results} == {opened["incident_id"]}
    assert incident_ids(org) == [opened["incident_id"]]
    found = incident(org, opened["incident_id"])
    assert (found["status"], found["reopen_count"], found["occurrences"]) == ("investigating", 1, 1 + len(results))
    assert message_types(found) == ["investigating", "resolved", "investigating"]


def _all_see_the_resolved_claim_first(monkeypatch) -> None:
    """The storm's worst legitimate interleaving, made certain: every delivery's first attempt to file finds the
    claim still resolved before any of them reopens the incident (without this it happens in some runs only)."""
    barrier, first = threading.Barrier(WRITERS), threading.local()
    create_incident = incidents_store.create_incident

    def create_then_wait(*args, **kwargs):
        try:
            return create_incident(*args, **kwargs)
        finally:
            if not getattr(first, "done", False):
                first.done = True
                barrier.wait(timeout=60)

    monkeypatch.setattr(incidents_store, "create_incident", create_then_wait)


def test_a_delivery_answers_with_the_incidents_short_reference(org):
    hook = connect(org, "alertmanager")
    opened = assert_outcome(deliver(hook, AM_FIRING, org.api_key), "created", 201)
    repeated = assert_outcome(deliver(hook, AM_FIRING, org.api_key), "absorbed")
    resolved = assert_outcome(deliver(hook, AM_RESOLVED, org.api_key), "resolved")

    assert opened["reference"] == repeated["reference"] == resolved["reference"] == "INC-1"
    assert incident(org, opened["incident_id"])["reference"] == "INC-1"
