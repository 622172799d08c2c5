"""Alerting tools' webhook bodies, parsed from what the senders really send (tests/fixtures/vendors)."""

import copy
import json
import subprocess
import sys

import pytest

from flare.alerting import senders
from flare.alerting.senders import SENDERS
from flare.alerting.senders.alert import METADATA_BUDGET, Alert, PayloadError
from flare.alerting.senders.reading import map_severity
from flare.fields import SEVERITIES
from tests.support import receivers

# The senders' payloads as dictionaries (receivers holds them as the bytes that are delivered).
AM_FIRING, AM_RESOLVED, GRAFANA, DATADOG_DEFAULT, PAGERDUTY_PRIORITY_UPDATED, OPSGENIE_CREATE = (
    json.loads(body)
    for body in (
        receivers.AM_FIRING,
        receivers.AM_RESOLVED,
        receivers.GRAFANA_DOCS,
        receivers.DATADOG_DEFAULT_TEMPLATE,
        receivers.PAGERDUTY_PRIORITY_UPDATED,
        receivers.OPSGENIE_CREATE,
    )
)

AM_MAPPING = SENDERS["alertmanager"].default_severity_mapping
DATADOG_TEMPLATE = senders.datadog.PAYLOAD_TEMPLATE
DATADOG_RENDERED = {
    **DATADOG_TEMPLATE,
    "alert_id": "1234567",
    "transition": "Triggered",
    "title": "[P1] [Triggered on {service:checkout,env:prod}] Checkout error rate",
    "body": "%%%\nError rate above 5% for checkout.\n%%%",
    "priority": "P1",
    "scope": "service:checkout,env:prod",
    "tags": "env:prod,service:checkout,team:payments",
    "link": "https://app.datadoghq.com/monitors/1234567",
    "date": "1763795531000",
    "hostname": "",
    "org": {"id": "111", "name": "Acme"},
}


def parsed(kind: str, payload) -> Alert:
    """`kind`'s parser with its default severity mapping."""
    sender = SENDERS[kind]
    return sender.parse(payload, sender.default_severity_mapping)


def parse(kind: str, payload) -> Alert:
    alert = parsed(kind, payload)
    assert_well_formed(alert)
    return alert


def depth(node) -> int:
    if isinstance(node, dict):
        return 1 + max(map(depth, node.values()), default=0)
    if isinstance(node, list):
        return 1 + max(map(depth, node), default=0)
    return 0


def assert_well_formed(alert: Alert) -> None:
    """What the contract promises for every Alert, whatever the input."""
    assert alert.action in ("fire", "resolve", "ignore")
    assert isinstance(alert.dedupe_key, str) and 1 <= len(alert.dedupe_key) <= 255
    assert isinstance(alert.title, str) and 1 <= len(alert.title) <= 255 and alert.title.strip()
    assert isinstance(alert.description, str) and len(alert.description) <= 10_000
    assert alert.severity is None or alert.severity in SEVERITIES
    assert isinstance(alert.service_names, tuple) and len(set(alert.service_names)) == len(alert.service_names)
    assert all(isinstance(name, str) and 1 <= len(name) <= 100 for name in alert.service_names)
    text = json.dumps(alert.metadata, ensure_ascii=False, allow_nan=False)
    assert isinstance(alert.metadata, dict) and len(text.encode()) <= 8192 and depth(alert.metadata) <= 8
    assert isinstance(alert.note, str) and alert.note.strip() and "\n" not in alert.note
    for value in (alert.dedupe_key, alert.title, alert.description, alert.note, text):
        value.encode()  # no lone surrogates: every store and client can take it


def payload_error(kind: str, payload) -> PayloadError:
    with pytest.raises(PayloadError) as error:
        parsed(kind, payload)
    return error.value


# Alertmanager


def test_alertmanager_firing_alert():
    alert = parse("alertmanager", AM_FIRING)
    assert alert.action == "fire"
    assert alert.dedupe_key == 'incidents-webhook/{}:{alertname="HighErrorRate", service="checkout"}'
    assert alert.title == "HighErrorRate on checkout"
    assert alert.severity == "critical"
    assert alert.service_names == ("checkout",)
    assert alert.description.startswith("HighErrorRate has been firing for checkout")
    assert alert.note == "Alertmanager: 1 alert firing (HighErrorRate on checkout)"
    assert alert.metadata["alerts_firing"] == 1 and alert.metadata["alerts_resolved"] == 0
    assert alert.metadata["alerts"] == [
        {
            "status": "firing",
            "labels": AM_FIRING["alerts"][0]["labels"],
            "starts_at": "2026-11-22T07:12:11.404Z",
            "ends_at": None,  # Alertmanager's zero time while firing
            "fingerprint": "1c5d859e845f39a3",
            "generator_url": AM_FIRING["alerts"][0]["generatorURL"],
        }
    ]
    assert alert.metadata["receiver"] == "incidents-webhook"
    assert alert.metadata["external_url"] == "http://127.0.0.1:19093"


def test_alertmanager_resolved_alert_has_the_firing_ones_key():
    alert = parse("alertmanager", AM_RESOLVED)
    assert alert.action == "resolve"
    assert alert.dedupe_key == parse("alertmanager", AM_FIRING).dedupe_key
    assert alert.note == "Alertmanager: all alerts resolved"
    assert alert.metadata["alerts"][0]["ends_at"] == "2026-11-22T07:12:45.49Z"
    assert alert.severity == "critical"  # all alerts count once resolved


def test_alertmanager_group_with_one_of_two_alerts_resolved_still_fires():
    payload = copy.deepcopy(AM_FIRING)
    second = copy.deepcopy(AM_RESOLVED["alerts"][0])
    second["labels"]["severity"] = "warning"
    payload["alerts"].append(second)
    payload["commonLabels"] = {"alertname": "HighErrorRate", "job": "checkout", "service": "checkout"}

    alert = parse("alertmanager", payload)
    assert alert.action == "fire"
    assert alert.severity == "critical"  # the firing alert's, not the resolved one's
    assert (alert.metadata["alerts_firing"], alert.metadata["alerts_resolved"]) == (1, 1)
    assert [a["status"] for a in alert.metadata["alerts"]] == ["firing", "resolved"]
    assert alert.note == "Alertmanager: 1 of 2 alerts firing (HighErrorRate on checkout)"


def test_alertmanager_severity_is_the_worst_firing_one_and_services_all_of_them():
    payload = copy.deepcopy(AM_FIRING)
    payload["commonLabels"] = {"alertname": "HighErrorRate"}
    payload["groupLabels"] = {"alertname": "HighErrorRate"}
    for service, severity in (("payments", "warning"), ("checkout", "info"), ("search", "error")):
        extra = copy.deepcopy(AM_FIRING["alerts"][0])
        extra["labels"].update(service=service, severity=severity)
        payload["alerts"].append(extra)
    payload["alerts"][0]["labels"]["severity"] = "warning"

    alert = parse("alertmanager", payload)
    assert alert.severity == "major"  # error → major beats warning → minor and info → low
    assert alert.service_names == ("checkout", "payments", "search")
    assert alert.note == "Alertmanager: 4 alerts firing (HighErrorRate on checkout)"


def test_alertmanager_title_and_severity_fallbacks():
    payload = copy.deepcopy(AM_FIRING)
    payload["commonAnnotations"] = {}
    assert parse("alertmanager", payload).title == "HighErrorRate"  # groupLabels.alertname
    payload["groupLabels"] = payload["commonLabels"] = {}
    assert parse("alertmanager", payload).title == "HighErrorRate"  # the first alert's alertname
    payload["alerts"][0]["labels"] = {"severity": "whatever"}
    alert = parse("alertmanager", payload)
    assert alert.title == "Alertmanager alert"
    assert alert.severity is None  # nothing usable: the caller applies its default
    assert alert.service_names == ()


def test_alertmanager_without_receiver_is_keyed_by_group_key_alone():
    payload = {key: value for key, value in AM_FIRING.items() if key != "receiver"}
    assert parse("alertmanager", payload).dedupe_key == AM_FIRING["groupKey"]


def test_alertmanager_long_group_key_is_shortened_stably():
    payload = copy.deepcopy(AM_FIRING)
    payload["groupKey"] = "{}:{" + ", ".join(f'label{i}="{"v" * 20}"' for i in range(40)) + "}"
    key = parse("alertmanager", payload).dedupe_key
    assert len(key) == 255 and key == parse("alertmanager", copy.deepcopy(payload)).dedupe_key
    assert key.startswith("incidents-webhook/{}:{label0=")
    payload["groupKey"] += " "
    assert parse("alertmanager", payload).dedupe_key != key


def test_alertmanager_malformed_payloads_name_the_field():
    assert payload_error("alertmanager", {**AM_FIRING, "status": "pending"}).field == "status"
    assert payload_error("alertmanager", {**AM_FIRING, "status": None}).field == "status"
    assert payload_error("alertmanager", {**AM_FIRING, "groupKey": None}).field == "groupKey"
    assert payload_error("alertmanager", {**AM_FIRING, "groupKey": " "}).field == "groupKey"
    # What identifies the group is never guessed from a list, an object or a boolean.
    error = payload_error("alertmanager", {**AM_FIRING, "status": ["firing"]})
    assert (error.field, error.message) == ("status", "must be a string")
    error = payload_error("alertmanager", {**AM_FIRING, "groupKey": [AM_FIRING["groupKey"]]})
    assert (error.field, error.message) == ("groupKey", "must be a string or a number")
    assert payload_error("alertmanager", {**AM_FIRING, "groupKey": True}).field == "groupKey"
    assert payload_error("alertmanager", {**AM_FIRING, "receiver": {"name": "x"}}).field == "receiver"


def test_alertmanager_reads_what_it_maps_leniently():
    """Formerly refused (numeric groupKey, `alerts` not a list, a list as an alert's status, a numeric label)."""
    assert parse("alertmanager", {**AM_FIRING, "groupKey": 7}).dedupe_key == "incidents-webhook/7"
    assert parse("alertmanager", {**AM_FIRING, "groupKey": 7.0}).dedupe_key == "incidents-webhook/7"
    no_details = parse("alertmanager", {**AM_FIRING, "alerts": {}})
    assert (no_details.action, no_details.metadata["alerts"], no_details.severity) == ("fire", [], "critical")
    payload = copy.deepcopy(AM_FIRING)
    payload["alerts"][0]["status"] = ["firing"]
    payload["alerts"][0]["labels"] |= {"severity": 1, "port": 8080, "canary": False, "owner": None, "x": {"y": 1}}
    payload["commonLabels"] = "not labels"
    payload["commonAnnotations"] = {"summary": ["Checkout is failing", "ignored"], "description": 42}
    alert = parse("alertmanager", payload)
    assert alert.metadata["alerts_firing"] == 1
    labels = alert.metadata["alerts"][0]["labels"]
    assert labels == {**AM_FIRING["alerts"][0]["labels"], "severity": "1", "port": "8080", "canary": "false"}
    assert alert.severity == "critical"  # "1", through the vocabulary's aliases
    assert (alert.title, alert.description) == ("Checkout is failing", "42")
    assert alert.metadata["common_labels"] == {}


def test_alertmanager_500_alerts_with_long_labels_stay_within_8_kib_of_metadata():
    payload = copy.deepcopy(AM_FIRING)
    template = payload["alerts"][0]
    payload["alerts"] = []
    for index in range(500):
        alert = copy.deepcopy(template)
        alert["labels"].update(instance=f"checkout-{index}:8080", pod="p" * 2000, note="ü" * 500)
        payload["alerts"].append(alert)
    payload["commonLabels"] = {**payload["commonLabels"], "big": "x" * 5000}

    alert = parse("alertmanager", payload)
    assert alert.metadata["alerts_firing"] == 500
    assert alert.metadata["alerts_omitted"] == 500 - len(alert.metadata["alerts"])
    assert alert.metadata["trimmed"] and len(alert.metadata["alerts"]) >= 3  # the first few, shortened
    # Room left for the receiver's own keys (integration_id …).
    assert len(json.dumps(alert.metadata, ensure_ascii=False).encode()) <= METADATA_BUDGET < 8192
    assert alert.metadata["alerts"][0]["labels"]["instance"] == "checkout-0:8080"
    assert alert.metadata["group_key"] == payload["groupKey"]
    assert alert.title == "HighErrorRate on checkout"
    assert alert.note == "Alertmanager: 500 alerts firing (HighErrorRate on checkout)"


def test_alertmanager_small_group_is_not_trimmed():
    metadata = parse("alertmanager", AM_FIRING).metadata
    assert "trimmed" not in metadata and metadata["alerts_omitted"] == 0


# Grafana


def test_grafana_docs_example():
    alert = parse("grafana", GRAFANA)
    assert alert.action == "fire"
    assert alert.dedupe_key == "1/My Super Webhook/{}:{}"
    assert alert.title == "[FIRING:2] (blue)"  # Grafana's title, on one line
    assert alert.severity is None  # no severity label
    assert alert.service_names == ()
    assert alert.description.startswith("**Firing**\n\nLabels:")  # its message, as there is no common description
    assert alert.metadata["alerts_firing"] == 2 and alert.metadata["org_id"] == "1"
    assert [a["fingerprint"] for a in alert.metadata["alerts"]] == ["c6eadffa33fcdf37", "bc97ff14869b13e3"]
    assert alert.note == "Grafana: 2 alerts firing ([FIRING:2] (blue))"


def test_grafana_prefers_the_common_summary_and_keys_by_organisation():
    payload = copy.deepcopy(GRAFANA)
    payload["commonAnnotations"] = {"summary": "High usage in zone us-1", "description": "Memory and CPU"}
    payload["commonLabels"]["severity"] = "critical"
    alert = parse("grafana", payload)
    assert (alert.title, alert.description, alert.severity) == ("High usage in zone us-1", "Memory and CPU", "critical")
    payload["orgId"] = 2
    assert parse("grafana", payload).dedupe_key == "2/My Super Webhook/{}:{}"
    payload["orgId"] = [2]
    assert payload_error("grafana", payload).field == "orgId"
    payload["orgId"] = 2.0
    assert parse("grafana", payload).dedupe_key == "2/My Super Webhook/{}:{}"


def test_grafana_resolved_group():
    payload = copy.deepcopy(GRAFANA)
    payload["status"] = "resolved"
    for alert in payload["alerts"]:
        alert["status"] = "resolved"
    alert = parse("grafana", payload)
    assert (alert.action, alert.note) == ("resolve", "Grafana: all alerts resolved")


# Datadog


def test_datadog_default_template_is_refused_naming_alert_id():
    error = payload_error("datadog", DATADOG_DEFAULT)
    assert error.field == "alert_id"
    assert "template" in error.message


def test_datadog_unrendered_alert_id_is_refused():
    assert payload_error("datadog", DATADOG_TEMPLATE).field == "alert_id"


def test_datadog_rendered_recommended_template_fires():
    alert = parse("datadog", DATADOG_RENDERED)
    assert alert.action == "fire"
    assert alert.dedupe_key == "1234567/service:checkout,env:prod"
    assert alert.title == DATADOG_RENDERED["title"]
    assert alert.description == "Error rate above 5% for checkout."
    assert alert.severity == "critical"
    assert alert.service_names == ("checkout",)
    assert alert.metadata["tags"] == ["env:prod", "service:checkout", "team:payments"]
    assert alert.metadata["hostname"] is None
    assert alert.metadata["org"] == {"id": "111", "name": "Acme"}
    assert alert.note == f"Datadog: Triggered ({DATADOG_RENDERED['title']})"


@pytest.mark.parametrize(
    ("transition", "action"),
    [
        ("Triggered", "fire"),
        ("Re-Triggered", "fire"),
        ("Warn", "fire"),
        ("Re-Warn", "fire"),
        ("No Data", "fire"),
        ("Re-No Data", "fire"),
        ("Renotify", "fire"),
        ("re-triggered", "fire"),
        ("Recovered", "resolve"),
        ("RECOVERED", "resolve"),
        ("Null", "ignore"),
        ("Muted", "ignore"),
    ],
)
def test_datadog_transitions(transition, action):
    alert = parse("datadog", {**DATADOG_RENDERED, "transition": transition})
    assert alert.action == action
    assert alert.dedupe_key == "1234567/service:checkout,env:prod"
    if action == "ignore":
        assert alert.note == f"Datadog transition {transition} is not handled"


def test_datadog_optional_variables_may_be_left_out_or_unrendered():
    payload = {"alert_id": 1234567, "transition": "Triggered", "priority": "$ALERT_PRIORITY", "scope": ""}
    alert = parse("datadog", payload)
    assert alert.dedupe_key == "1234567"
    assert alert.title == "Datadog monitor 1234567"
    assert alert.severity is None
    assert payload_error("datadog", {"alert_id": "1", "transition": "$ALERT_TRANSITION"}).field == "transition"
    assert parse("datadog", {**DATADOG_RENDERED, "priority": "P5"}).severity == "low"


def test_datadog_reads_what_it_maps_leniently():
    """A hand-written template may send numbers and lists where Flare's has strings."""
    payload = {**DATADOG_RENDERED, "priority": 2, "tags": ["env:prod", "service:search,team:x"], "org": "Acme"}
    alert = parse("datadog", payload | {"date": 1763795531000, "title": None, "body": ["%%%\nlist body\n%%%"]})
    assert (alert.dedupe_key, alert.severity) == ("1234567/service:checkout,env:prod", "major")
    assert alert.service_names == ("search", "checkout")
    assert alert.metadata["tags"] == ["env:prod", "service:search", "team:x"]
    assert (alert.metadata["date"], alert.metadata["org"], alert.metadata["priority"]) == ("1763795531000", None, "2")
    assert (alert.title, alert.description) == ("Datadog monitor 1234567", "list body")
    assert parse("datadog", {**DATADOG_RENDERED, "priority": "3"}).severity == "minor"
    assert parse("datadog", {**DATADOG_RENDERED, "scope": 5}).dedupe_key == "1234567/5"


def test_datadog_identifying_fields_of_the_wrong_type_are_refused_naming_them():
    assert payload_error("datadog", {**DATADOG_RENDERED, "alert_id": ["1234567"]}).field == "alert_id"
    assert payload_error("datadog", {**DATADOG_RENDERED, "transition": 1}).field == "transition"
    assert payload_error("datadog", {**DATADOG_RENDERED, "scope": ["env:prod"]}).field == "scope"


# PagerDuty


def pagerduty(event_type: str, **data) -> dict:
    payload = copy.deepcopy(PAGERDUTY_PRIORITY_UPDATED)
    payload["event"]["event_type"] = event_type
    payload["event"]["data"].update(data)
    return payload


def test_pagerduty_priority_updated_is_ignored():
    alert = parse("pagerduty", PAGERDUTY_PRIORITY_UPDATED)
    assert alert.action == "ignore"
    assert alert.note == "PagerDuty event incident.priority_updated is not handled"
    assert alert.dedupe_key == "PGR0VU2"


def test_pagerduty_triggered_incident_fires():
    alert = parse("pagerduty", pagerduty("incident.triggered"))
    assert alert.action == "fire"
    assert alert.dedupe_key == "PGR0VU2"
    assert alert.title == "A little bump in the road"
    assert alert.severity == "critical"  # priority P1
    assert alert.service_names == ("API Service",)
    assert alert.note == "PagerDuty: incident #2 triggered (A little bump in the road)"
    assert alert.metadata == {
        "pagerduty_incident_id": "PGR0VU2",
        "number": 2,
        "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2",
        "incident_key": "d3640fbd41094207a1c11e58e46b1662",
        "service": {"id": "PF9KMXH", "summary": "API Service"},
        "event_id": "5ac64822-4adc-4fda-ade0-410becf0de4f",
        "event_type": "incident.triggered",
        "occurred_at": "2020-10-02T18:45:22.169Z",
    }


def test_pagerduty_resolved_and_reopened_incidents():
    resolved = parse("pagerduty", pagerduty("incident.resolved", status="resolved"))
    assert (resolved.action, resolved.dedupe_key, resolved.note) == (
        "resolve",
        "PGR0VU2",
        "PagerDuty: incident #2 resolved",
    )
    reopened = parse("pagerduty", pagerduty("incident.reopened"))
    assert (reopened.action, reopened.note) == ("fire", "PagerDuty: incident #2 reopened (A little bump in the road)")


def test_pagerduty_severity_falls_back_on_urgency_without_priority():
    assert parse("pagerduty", pagerduty("incident.triggered", priority=None)).severity == "major"
    assert parse("pagerduty", pagerduty("incident.triggered", priority=None, urgency="low")).severity == "low"


def test_pagerduty_ping_and_malformed_events():
    ping = {"event": {"id": "01", "event_type": "pagey.ping", "data": {"message": "Hello from your friend Pagey!"}}}
    assert parse("pagerduty", ping).action == "ignore"
    assert payload_error("pagerduty", {"event": None}).field == "event"
    assert payload_error("pagerduty", {"event": {"event_type": 3}}).field == "event.event_type"
    assert payload_error("pagerduty", pagerduty("incident.triggered", id=None)).field == "event.data.id"
    assert payload_error("pagerduty", pagerduty("incident.triggered", id=["PGR0VU2"])).field == "event.data.id"
    assert payload_error("pagerduty", {"event": ["not", "an", "event"]}).field == "event"
    assert payload_error("pagerduty", {"event": {"event_type": "incident.triggered", "data": "x"}}).field == (
        "event.data"
    )


def test_pagerduty_reads_what_it_maps_leniently():
    """Formerly refused: a number as text, a bare priority or service name instead of a reference."""
    alert = parse("pagerduty", pagerduty("incident.triggered", id=1234, number="2", priority="P2", service="API"))
    assert (alert.action, alert.dedupe_key, alert.severity, alert.service_names) == ("fire", "1234", "major", ("API",))
    assert alert.metadata["number"] == 2 and alert.metadata["service"] == {"id": None, "summary": "API"}
    alert = parse("pagerduty", pagerduty("incident.triggered", number="two", priority=None, urgency=["low"]))
    assert (alert.note, alert.severity) == ("PagerDuty: incident triggered (A little bump in the road)", "low")


# Opsgenie


def test_opsgenie_create_fires():
    alert = parse("opsgenie", OPSGENIE_CREATE)
    assert alert.action == "fire"
    assert alert.dedupe_key == "aliastest"
    assert alert.title == "test alert"
    assert alert.severity is None  # this payload has no priority
    assert alert.note == "Opsgenie: alert created (test alert)"
    assert alert.metadata == {
        "alert_id": "052652ac-5d1c-464a-812a-7dd18bbfba8c",
        "tiny_id": "23",
        "alias": "aliastest",
        "source": "fili@ifountain.com",
        "tags": ["tag1", "tag2"],
        "teams": ["team1", "team2"],
        "integration_name": "Integration1",
    }


def test_opsgenie_close_resolves_and_other_actions_are_ignored():
    closed = parse("opsgenie", {**OPSGENIE_CREATE, "action": "Close"})
    assert (closed.action, closed.dedupe_key, closed.note) == ("resolve", "aliastest", "Opsgenie: alert closed")
    acknowledged = parse("opsgenie", {**OPSGENIE_CREATE, "action": "Acknowledge"})
    assert (acknowledged.action, acknowledged.note) == ("ignore", "Opsgenie action Acknowledge is not handled")


def test_opsgenie_priority_services_and_key_fallback():
    payload = copy.deepcopy(OPSGENIE_CREATE)
    payload["alert"].update(priority="P5", tags=["service:checkout", "tag1", "Service:payments"], alias="")
    alert = parse("opsgenie", payload)
    assert alert.severity == "low"
    assert alert.service_names == ("checkout", "payments")
    assert alert.dedupe_key == "052652ac-5d1c-464a-812a-7dd18bbfba8c"  # alertId when there is no alias
    del payload["alert"]["alertId"]
    assert payload_error("opsgenie", payload).field == "alert.alias"
    assert payload_error("opsgenie", {**OPSGENIE_CREATE, "action": None}).field == "action"
    assert payload_error("opsgenie", {**OPSGENIE_CREATE, "action": ["Create"]}).field == "action"
    assert payload_error("opsgenie", {**OPSGENIE_CREATE, "alert": None}).field == "alert.alias"
    assert payload_error("opsgenie", {**OPSGENIE_CREATE, "alert": "aliastest"}).field == "alert"
    payload["alert"]["alias"] = ["aliastest"]
    assert payload_error("opsgenie", payload).field == "alert.alias"
    payload["alert"].update(alias=None, alertId={"id": "x"})
    assert payload_error("opsgenie", payload).field == "alert.alertId"
    payload["alert"].update(alertId=42)
    assert parse("opsgenie", payload).dedupe_key == "42"
    # Other actions are not keyed on anything that must be there.
    assert parse("opsgenie", {"action": "Acknowledge", "alert": [1]}).action == "ignore"


def opsgenie(action: str = "Create", **alert) -> dict:
    payload = copy.deepcopy(OPSGENIE_CREATE)
    payload["action"] = action
    payload["alert"].update(alert)
    return payload


def test_opsgenie_numeric_priority_maps_like_its_p_priority_and_close_resolves_the_same_alert():
    """Regression: Opsgenie consumers' fixtures send `"priority": 3`; it was refused with 422, then Close ignored."""
    created = parse("opsgenie", opsgenie(priority=3))
    assert (created.action, created.severity, created.dedupe_key) == ("fire", "minor", "aliastest")
    closed = parse("opsgenie", opsgenie("Close", priority=3))
    assert (closed.action, closed.dedupe_key) == ("resolve", created.dedupe_key)
    for priority, severity in ((1, "critical"), (2, "major"), (3.0, "minor"), (4, "low"), (5, "low"), ("5", "low")):
        assert parse("opsgenie", opsgenie(priority=priority)).severity == severity, priority
    assert parse("opsgenie", opsgenie(priority=6)).severity is None
    assert parse("opsgenie", opsgenie(priority=True)).severity is None
    mapping = SENDERS["opsgenie"].default_severity_mapping
    parse_opsgenie = senders.opsgenie.parse
    assert parse_opsgenie(opsgenie(priority=3), mapping | {"P3": "major"}).severity == "major"  # as P3 would
    assert parse_opsgenie(opsgenie(priority=3), mapping | {"p3": "major", "3": "critical"}).severity == "critical"


def test_opsgenie_reads_what_it_maps_leniently():
    alert = parse("opsgenie", opsgenie(tags="service:checkout, tag1,", teams=None, message=17, tinyId=23))
    assert alert.service_names == ("checkout",)
    assert alert.metadata["tags"] == ["service:checkout", "tag1"]
    assert (alert.title, alert.metadata["tiny_id"], alert.metadata["teams"]) == ("17", "23", [])
    alert = parse("opsgenie", opsgenie(tags=["service:checkout", 3, None, ["service:payments"]], description={}))
    assert alert.service_names == ("checkout", "payments") and alert.description == ""


# Severity mapping


def test_map_severity():
    mapping = {"Warning": "minor", "P5": "low", "broken": "nonsense"}
    assert map_severity("WARNING", mapping) == "minor"  # keys match case-insensitively
    assert map_severity("p5", mapping) == "low"
    assert map_severity("sev2", mapping) == "major"  # the vocabulary's aliases
    assert map_severity("DOWN", {}) == "critical"
    assert map_severity("3", {}) == "minor"
    assert map_severity("broken", mapping) is None
    assert map_severity("unheard-of", mapping) is None
    assert map_severity(None, mapping) is None
    assert map_severity("", mapping) is None


def test_an_organisation_override_wins_over_the_default_whatever_its_case():
    assert senders.alertmanager.parse(AM_FIRING, AM_MAPPING | {"Critical": "major"}).severity == "major"
    assert senders.alertmanager.parse(AM_FIRING, {"CRITICAL": "major"} | AM_MAPPING).severity == "critical"


# Any JSON at all: an Alert or a PayloadError, nothing else


ODD_VALUES = [
    None,
    0,
    -1,
    2**80,
    1.5,
    float("inf"),
    True,
    "",
    "   ",
    "x" * 20_000,
    "\ud800 lone surrogate",
    "ü" * 3_000,
    "$ALERT_ID",
    [],
    [[[["deep"]]]],
    ["service:x", 1],
    {},
    {"a": [1, {"b": None}]},
    {"severity": "critical", "service": "checkout"},
]
for _ in range(200):
    ODD_VALUES[-1] = {"nested": ODD_VALUES[-1]}  # 200 levels deep

MUTATED = {
    "alertmanager": [AM_FIRING, AM_RESOLVED],
    "grafana": [GRAFANA],
    "datadog": [DATADOG_RENDERED],
    "pagerduty": [pagerduty("incident.triggered"), PAGERDUTY_PRIORITY_UPDATED],
    "opsgenie": [OPSGENIE_CREATE],
}


def paths(node, prefix=()):
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, value in items:
        yield (*prefix, key)
        yield from paths(value, (*prefix, key))


def mutated(payload, path, value, delete=False):
    result = copy.deepcopy(payload)
    node = result
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return result


def check_outcome(kind, payload):
    try:
        alert = parsed(kind, payload)
    except PayloadError as error:
        assert error.field and error.message
    else:
        assert_well_formed(alert)


@pytest.mark.parametrize("kind", list(SENDERS))
def test_any_body_gives_an_alert_or_a_payload_error(kind):
    for body in (None, [], [AM_FIRING], "firing", 3, 2.5, True):
        error = payload_error(kind, body)
        assert (error.field, error.message) == ("body", "must be a JSON object")
    for payload in (AM_FIRING, GRAFANA, DATADOG_DEFAULT, DATADOG_RENDERED, PAGERDUTY_PRIORITY_UPDATED, OPSGENIE_CREATE):
        check_outcome(kind, payload)
    for payload in MUTATED[kind]:
        for path in paths(payload):
            if isinstance(path[-1], str):
                check_outcome(kind, mutated(payload, path, None, delete=True))
            for value in ODD_VALUES:
                check_outcome(kind, mutated(payload, path, value))
            check_outcome(kind, {**payload, path[-1] if isinstance(path[-1], str) else "x": ODD_VALUES})


# Type mutations: what is read only for mapping or metadata never refuses a delivery, nor moves its key


def with_status(payload: dict, status: str) -> dict:
    result = copy.deepcopy(payload)
    result["status"] = status
    for alert in result["alerts"]:
        alert["status"] = status
    return result


# What identifies the delivery (and the objects holding it): kept as the sender wrote it; everything else is
# type-mutated. Opsgenie's alertId is metadata here, as these payloads have an alias.
IDENTIFYING = {
    "alertmanager": [("status",), ("groupKey",), ("receiver",)],
    "grafana": [("status",), ("groupKey",), ("receiver",), ("orgId",)],
    "datadog": [("alert_id",), ("transition",), ("scope",)],
    "pagerduty": [("event", "event_type"), ("event", "data", "id"), ("event", "id")],
    "opsgenie": [("action",), ("alert", "alias")],
}
OPSGENIE_FULL = opsgenie(
    priority="P3", description="Checkout is down", tags=["service:checkout", "tag1"], tinyId="23", alias="aliastest"
)
TYPE_MUTATED = {
    "alertmanager": [AM_FIRING, AM_RESOLVED],
    "grafana": [GRAFANA, with_status(GRAFANA, "resolved")],
    "datadog": [
        DATADOG_RENDERED,
        {**DATADOG_RENDERED, "transition": "Recovered"},
        {**DATADOG_RENDERED, "transition": "Null"},
    ],
    "pagerduty": [
        pagerduty("incident.triggered"),
        pagerduty("incident.resolved", status="resolved"),
        PAGERDUTY_PRIORITY_UPDATED,
    ],
    "opsgenie": [
        OPSGENIE_CREATE,
        OPSGENIE_FULL,
        {**OPSGENIE_FULL, "action": "Close"},
        {**OPSGENIE_FULL, "action": "Acknowledge"},
    ],
}


def is_scalar(value) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def type_mutations(value):
    """(what, replacement, whether the Alert must come out identical) for one field's value."""
    yield "a number", 3, False
    yield "a float", 2.5, False
    yield "a boolean", True, False
    yield "null", None, False
    yield "a list holding it", [value], is_scalar(value)  # its first item is read: nothing changes
    yield "an object wrapping it", {"value": value}, False
    if isinstance(value, int) and not isinstance(value, bool):
        yield "its text", str(value), True  # read as the number it spells, where a number is read


@pytest.mark.parametrize("kind", list(SENDERS))
def test_fields_read_for_mapping_or_metadata_never_refuse_nor_move_the_key(kind):
    checked = 0
    for payload in TYPE_MUTATED[kind]:
        original = parse(kind, payload)
        for path in paths(payload):
            if any(path == key[: len(path)] for key in IDENTIFYING[kind]):
                continue  # an identifying field, or an object holding one
            node = payload
            for key in path:
                node = node[key]
            cases = [("deleted", None, False, True)] + [(*case, False) for case in type_mutations(node)]
            for what, value, identical, delete in cases:
                where = f"{kind} {'.'.join(map(str, path))} as {what}"
                try:
                    alert = parsed(kind, mutated(payload, path, value, delete))
                except PayloadError as error:
                    pytest.fail(f"{where}: refused ({error})")
                assert_well_formed(alert)
                assert (alert.action, alert.dedupe_key) == (original.action, original.dedupe_key), where
                if identical:
                    assert alert == original, where
                checked += 1
    assert checked > 100


def test_parsers_are_registered_by_integration_type():
    assert {name: sender.parse for name, sender in SENDERS.items()} == {
        "alertmanager": senders.alertmanager.parse,
        "grafana": senders.grafana.parse,
        "datadog": senders.datadog.parse,
        "pagerduty": senders.pagerduty.parse,
        "opsgenie": senders.opsgenie.parse,
    }
    for sender in SENDERS.values():
        assert set(sender.default_severity_mapping.values()) <= set(SEVERITIES)


def test_alert_parsing_and_signatures_import_nothing_heavy():
    probe = (
        "import sys, flare.alerting.senders, flare.alerting.signatures;"
        "heavy = [m for m in ('boto3', 'botocore', 'aws_lambda_powertools', 'flare.http', 'flare.store')"
        " if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, f"pulled in {result.stdout.strip()}{result.stderr.strip()}"
