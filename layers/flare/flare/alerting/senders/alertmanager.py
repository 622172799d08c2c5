"""Prometheus Alertmanager's webhook (version 4), and the alert group shape Grafana shares with it.

What identifies a delivery: `status` (firing or resolved) and `groupKey`, with `receiver` when given (and
Grafana's `orgId`). Default severity mapping (the `severity` label): critical/page → critical, error/high →
major, warning/warn/medium → minor, info/informational → low.
"""

from typing import Any

from flare.alerting.senders.alert import (
    MAX_ALERT_DETAILS,
    Alert,
    PayloadError,
    dedupe_key,
    first_line,
    new_alert,
    plural,
)
from flare.alerting.senders.reading import JsonObject, map_severity, most_severe
from flare.alerting.senders.sender import Sender

TITLE = "Alertmanager"

# The `severity` label's usual values (Alertmanager's and Grafana's defaults).
LABEL_SEVERITIES = {
    "critical": "critical",
    "page": "critical",
    "error": "major",
    "high": "major",
    "warning": "minor",
    "warn": "minor",
    "medium": "minor",
    "info": "low",
    "informational": "low",
}

# Alertmanager's (and Grafana's) endsAt for an alert that is still firing: Go's zero time.
ZERO_TIME = "0001-01-01T00:00:00Z"


def parse_alert_group(payload: Any, mapping: dict[str, str], source: str, *, grafana: bool = False) -> Alert:
    """Alertmanager's webhook (version 4) and (`grafana`) Grafana's, which is the same shape plus orgId, title
    and message; `source` names the sender in titles and notes."""
    body = JsonObject(payload, "")
    status = body.identifier("status", required=True, numbers=False).strip().casefold()
    if status not in ("firing", "resolved"):
        raise PayloadError("status", "must be firing or resolved")
    action = "fire" if status == "firing" else "resolve"
    receiver = body.identifier("receiver")
    group_key = body.identifier("groupKey", required=True)
    org_id = body.identifier("orgId") if grafana else None
    group_labels = body.labels("groupLabels")
    common_labels = body.labels("commonLabels")
    common_annotations = body.labels("commonAnnotations")
    alerts = []
    for item in body.objects("alerts"):
        ends_at = item.text("endsAt")
        alerts.append(
            {
                "status": item.text("status"),
                "labels": item.labels("labels"),
                "starts_at": item.text("startsAt"),
                "ends_at": None if ends_at == ZERO_TIME else ends_at,
                "fingerprint": item.text("fingerprint"),
                "generator_url": item.text("generatorURL"),
            }
        )
    states = [(alert["status"] or "").strip().casefold() for alert in alerts]
    firing = [alert for alert, state in zip(alerts, states, strict=True) if state == "firing"]
    resolved_count = states.count("resolved")

    title = first_line(
        [
            common_annotations.get("summary"),
            body.text("title") if grafana else None,
            group_labels.get("alertname"),
            common_labels.get("alertname"),
            alerts[0]["labels"].get("alertname") if alerts else None,
        ],
        f"{source} alert",
    )
    description = common_annotations.get("description") or (body.text("message") if grafana else None) or ""
    # A notification about a firing group is about its firing alerts; a resolved one, about all of them.
    considered = firing if action == "fire" and firing else alerts
    severity = most_severe(
        map_severity(labels.get("severity"), mapping) for labels in [common_labels, *(a["labels"] for a in considered)]
    )
    services = [group_labels.get("service"), common_labels.get("service")]
    services += [alert["labels"].get("service") for alert in alerts]

    if action == "resolve":
        note = f"{source}: all alerts resolved"
    elif resolved_count:
        note = f"{source}: {len(firing)} of {len(alerts)} alerts firing ({title})"
    else:
        note = f"{source}: {plural(len(firing), 'alert')} firing ({title})"
    metadata = {
        "receiver": receiver,
        "group_key": group_key,
        "group_labels": group_labels,
        "common_labels": common_labels,
        "external_url": body.text("externalURL"),
        "alerts_firing": len(firing),
        "alerts_resolved": resolved_count,
        "alerts": alerts[:MAX_ALERT_DETAILS],
        "alerts_omitted": max(0, len(alerts) - MAX_ALERT_DETAILS),
    }
    if grafana:
        metadata["org_id"] = org_id
    return new_alert(
        action,
        dedupe_key(org_id, receiver, group_key),
        title,
        note,
        description=description,
        severity=severity,
        service_names=services,
        metadata=metadata,
    )


def parse(payload: Any, mapping: dict[str, str]) -> Alert:
    """One notification per alert group, keyed by receiver and groupKey; severity is the worst `severity` label
    among the firing alerts, services the `service` labels."""
    return parse_alert_group(payload, mapping, TITLE)


SENDER = Sender(name="alertmanager", title=TITLE, default_severity_mapping=dict(LABEL_SEVERITIES), parse=parse)
