"""Alert deliveries as the tests send them: the vendors' real payloads (tests/fixtures/vendors) and variants built
from them, integrations to send them to, delivery through the handlers with the real authorizer, and what a
user then reads. Shared by every receiver test module."""

import copy
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.invoking import ROOT, Reply, invoke

VENDORS = ROOT / "tests" / "fixtures" / "vendors"
PAGERDUTY_SECRET = "pagerduty-signing-secret-for-tests"
GRAFANA_SECRET = "grafana-signing-secret-for-tests"


def vendor_bytes(path: str) -> bytes:
    return (VENDORS / path).read_bytes()


def vendor_json(path: str) -> Any:
    return json.loads(vendor_bytes(path))


def dumps(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def hex_hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


# ---- payloads -------------------------------------------------------------------------------------------

AM_FIRING = vendor_bytes("alertmanager/firing-single-alert.json")
AM_RESOLVED = vendor_bytes("alertmanager/resolved.json")
GRAFANA_DOCS = vendor_bytes("grafana/docs-example-firing-2-alerts.json")
DATADOG_DEFAULT_TEMPLATE = vendor_bytes("datadog/default-payload-template.json")
PAGERDUTY_PRIORITY_UPDATED = vendor_bytes("pagerduty/docs-incident.priority_updated.json")
OPSGENIE_CREATE = vendor_bytes("opsgenie/docs-action-Create.json")


def alertmanager_group(*alerts_: tuple[str, str], status: str = "firing") -> bytes:
    """Alertmanager's firing payload with these (status, severity) alerts in its group."""
    payload = json.loads(AM_FIRING)
    template = payload["alerts"][0]
    payload["alerts"] = []
    for index, (alert_status, severity) in enumerate(alerts_):
        alert = copy.deepcopy(template)
        alert["status"] = alert_status
        alert["labels"] |= {"severity": severity, "instance": f"checkout-{index}:8080"}
        alert["fingerprint"] = f"{index:016x}"
        if alert_status == "resolved":
            alert["endsAt"] = "2026-11-22T07:20:00Z"
        payload["alerts"].append(alert)
    payload["status"] = status
    for name in ("severity", "instance"):
        payload["commonLabels"].pop(name)
    return dumps(payload)


def grafana(status: str = "firing", severities: tuple[str, str] = ("warning", "warning"), **labels: str) -> bytes:
    """Grafana's documented payload, its two alerts labelled with these severities (and `labels`)."""
    payload = json.loads(GRAFANA_DOCS)
    payload["status"] = status
    for alert, severity in zip(payload["alerts"], severities, strict=True):
        alert["labels"] |= {"severity": severity, **labels}
        alert["status"] = status
        if status == "resolved":
            alert["endsAt"] = "2021-10-12T10:30:00+02:00"
    if status == "resolved":
        payload["title"] = "[RESOLVED]  (blue)"
    return dumps(payload)


def datadog(transition: str = "Triggered") -> bytes:
    """Datadog's default template as rendered, with the fields of Flare's template added."""
    payload = json.loads(DATADOG_DEFAULT_TEMPLATE) | {
        "alert_id": "1234567",
        "transition": transition,
        "title": f"[{transition}] checkout p99 latency",
        "body": "%%%\np99 above 2s on checkout\n%%%",
        "priority": "P2",
        "scope": "env:prod",
        "tags": "service:checkout,env:prod",
        "link": "https://app.datadoghq.com/monitors/1234567",
        "date": "1795000000000",
        "org": {"id": "11287", "name": "Acme"},
        "last_updated": "1795000000000",
        "event_type": "query_alert_monitor",
        "id": "7417283490122339211",
    }
    return dumps(payload)


def pagerduty(event_type: str = "incident.triggered", **data: Any) -> bytes:
    payload = json.loads(PAGERDUTY_PRIORITY_UPDATED)
    payload["event"]["event_type"] = event_type
    payload["event"]["data"] |= data
    if event_type == "incident.resolved":
        payload["event"]["data"]["status"] = "resolved"
    return dumps(payload)


def opsgenie(action: str = "Create", **alert: Any) -> bytes:
    payload = json.loads(OPSGENIE_CREATE)
    payload["action"] = action
    payload["alert"] |= alert
    return dumps(payload)


@dataclass(frozen=True)
class Vendor:
    """One receiver's lifecycle case: a firing and the matching resolve, and the incident the firing files."""

    kind: str
    firing: bytes
    resolved: bytes
    title: str
    severity: str
    service_name: str  # a Flare service the firing names (in another case than the sender writes it)

    def __str__(self) -> str:
        return self.kind


VENDOR_CASES = [
    Vendor("alertmanager", AM_FIRING, AM_RESOLVED, "HighErrorRate on checkout", "critical", "Checkout"),
    Vendor(
        "grafana",
        grafana(service="checkout"),
        grafana("resolved", service="checkout"),
        "[FIRING:2] (blue)",
        "minor",
        "CHECKOUT",
    ),
    Vendor("datadog", datadog(), datadog("Recovered"), "[Triggered] checkout p99 latency", "major", "Checkout"),
    Vendor(
        "pagerduty",
        pagerduty(),
        pagerduty("incident.resolved"),
        "A little bump in the road",
        "critical",
        "api service",
    ),
    Vendor(
        "opsgenie",
        opsgenie(tags=["tag1", "service:checkout"], priority="P3"),
        opsgenie("Close"),
        "test alert",
        "minor",
        "Checkout",
    ),
]
each_vendor = pytest.mark.parametrize("vendor", VENDOR_CASES, ids=str)


# ---- helpers --------------------------------------------------------------------------------------------


class Clock:
    """A clock the test moves; each reading ticks a millisecond, so that ids keep sorting by creation."""

    def __init__(self):
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def connect(org, kind: str, **fields: Any) -> dict:
    """A new integration of this type (PagerDuty's with a signing secret, which it requires)."""
    if kind == "pagerduty":
        fields.setdefault("signing_secret", PAGERDUTY_SECRET)
    reply = invoke("create_integration", org.api_key, body={"type": kind, "name": f"{kind} hook"} | fields)
    assert reply.status == 201, reply.body
    return reply.body


def deliver(
    hook: dict,
    body: bytes,
    api_key: str | None,
    *,
    kind: str | None = None,
    headers: dict | None = None,
    redelivery: bool = False,
) -> Reply:
    """POST `body` to the hook's receiver (or `kind`'s) as the sender would, PagerDuty's signed. Each PagerDuty
    or Datadog delivery is a new event (its own event.id / $ID, as they send them) unless it is a `redelivery` of
    the bytes as they are."""
    sent = {}
    if hook["type"] in ("pagerduty", "datadog") and not redelivery and not (headers or {}).get("X-PagerDuty-Signature"):
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None  # malformed on purpose: sent as it is
        if isinstance(payload, dict) and isinstance(payload.get("event"), dict):
            payload["event"]["id"] = f"01TEST{uuid.uuid4().hex.upper()}"
            body = dumps(payload)
        elif isinstance(payload, dict) and isinstance(payload.get("id"), str) and hook["type"] == "datadog":
            payload["id"] = str(uuid.uuid4().int >> 64)  # Datadog's event ids are decimal numbers
            body = dumps(payload)
    if hook["type"] == "pagerduty" and hook.get("signing_secret"):
        sent["X-PagerDuty-Signature"] = "v1=" + hex_hmac(hook["signing_secret"], body)
    sent |= headers or {}
    return invoke(
        f"receive_{kind or hook['type']}",
        api_key,
        path_params={"integration_id": hook["id"]},
        raw_body=body.decode(),
        headers=sent,
    )


def incident(org, incident_id: str) -> dict:
    reply = invoke("get_incident", org.api_key, path_params={"incident_id": incident_id})
    assert reply.status == 200, reply.body
    return reply.body


def incident_ids(org) -> list[str]:
    reply = invoke("list_incidents", org.api_key, query={})
    assert reply.status == 200, reply.body
    return [item["id"] for item in reply.body["incidents"]]


def service_status(org, service_id: str) -> str:
    return invoke("get_service", org.api_key, path_params={"service_id": service_id}).body["status"]


def message_types(found: dict) -> list[str]:
    return [message["type"] for message in found["messages"]]


def assert_signature_refused(reply: Reply) -> None:
    """401 from the receiver itself (the authorizer's 401 says nothing of signatures)."""
    assert reply.status == 401, reply.body
    assert "signature rejected" in reply.body["detail"], reply.body


def assert_outcome(reply: Reply, outcome: str, status: int = 200) -> dict:
    assert (reply.status, reply.body.get("outcome")) == (status, outcome), reply.body
    return reply.body


def grafana_signed(body: bytes, timestamp: int | None, secret: str = GRAFANA_SECRET) -> dict[str, str]:
    if timestamp is None:
        return {"X-Grafana-Alerting-Signature": hex_hmac(secret, body)}
    signature = hex_hmac(secret, f"{timestamp}:".encode() + body)
    return {"X-Grafana-Alerting-Signature": signature, "X-Grafana-Alerting-Timestamp": str(timestamp)}
