"""PagerDuty Webhooks v3: an incident's triggered/reopened and resolved events.

What identifies a delivery: `event` and `event.event_type` (and `event.data.id` for the events Flare acts on).
Default severity mapping: the incident priority (P1 → critical, P2 → major, P3 → minor, P4 and P5 → low) when
the account uses priorities, else its urgency: high → major (urgent, but not by itself an outage), low → low.
PagerDuty always signs: its integration holds the secret, and `X-PagerDuty-Signature` is verified
(flare.alerting.signatures).
"""

from collections.abc import Mapping
from typing import Any

from flare.alerting import signatures
from flare.alerting.senders.alert import Alert, dedupe_key, first_line, new_alert, one_line
from flare.alerting.senders.reading import PRIORITIES, JsonObject, map_severity, peek
from flare.alerting.senders.sender import Sender

_ACTIONS = {"incident.triggered": "fire", "incident.reopened": "fire", "incident.resolved": "resolve"}


def parse(payload: Any, mapping: dict[str, str]) -> Alert:
    """Keyed by incident id; other events (acknowledged, priority_updated, annotated, pagey.ping …) are
    ignored. Its event.id identifies the delivery (a redelivery is not acted on again)."""
    event = JsonObject(payload, "").required_object("event")
    event_type = event.identifier("event_type", required=True, numbers=False)
    action = _ACTIONS.get(event_type, "ignore")
    if action == "ignore":
        key = dedupe_key(peek(payload, "event", "data", "id") or peek(payload, "event", "id") or "pagerduty")
        note = f"PagerDuty event {one_line(event_type, 100)} is not handled"
        return new_alert("ignore", key, "PagerDuty event", note, metadata={"event_type": event_type})

    data = event.required_object("data")
    incident_id = data.identifier("id", required=True)
    number = data.integer("number")
    incident = f"incident #{number}" if number is not None else "incident"
    title = first_line([data.text("title")], f"PagerDuty {incident}")
    # References ({"summary": "P1", …}); a bare "P1" or "API Service" stands for its summary.
    priority = data.object("priority")
    service = data.object("service")
    service_name = service.text("summary") if service else data.text("service")
    severity = map_severity(priority.text("summary") if priority else data.text("priority"), mapping)
    if action == "fire":
        verb = "reopened" if event_type == "incident.reopened" else "triggered"
        note = f"PagerDuty: {incident} {verb} ({title})"
    else:
        note = f"PagerDuty: {incident} resolved"
    metadata = {
        "pagerduty_incident_id": incident_id,
        "number": number,
        "html_url": data.text("html_url"),
        "incident_key": data.text("incident_key"),
        "service": {"id": service.text("id") if service else None, "summary": service_name}
        if service or service_name
        else None,
        "event_id": event.text("id"),
        "event_type": event_type,
        "occurred_at": event.text("occurred_at"),
    }
    return new_alert(
        action,
        dedupe_key(incident_id),
        title,
        note,
        severity=severity or map_severity(data.text("urgency"), mapping),
        service_names=[service_name],
        metadata=metadata,
        delivery_id=event.text("id"),
    )


def verify(secret: str, body: bytes, headers: Mapping[str, str], now: float) -> None:
    signatures.verify_pagerduty(secret, body, headers.get(signatures.PAGERDUTY_SIGNATURE_HEADER.lower()))


SENDER = Sender(
    name="pagerduty",
    title="PagerDuty",
    default_severity_mapping={**PRIORITIES, "high": "major", "low": "low"},
    parse=parse,
    signs="required",
    verify=verify,
)
