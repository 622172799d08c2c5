"""Alerting tools' webhook bodies, parsed into one neutral `Alert` that the integrations endpoint acts on.

Each parser takes the JSON-decoded body and a severity mapping (the caller's complete mapping: usually
`DEFAULT_SEVERITY_MAPPING[kind]` updated with the organisation's overrides). Unknown fields are ignored; a body
that lacks what Flare needs, or carries it in the wrong type, raises `PayloadError` naming the field. Nothing
else is ever raised, whatever the JSON.

Default severity mappings (keys match case-insensitively; anything unmapped goes through the vocabulary's
aliases, so "critical", "P2", "sev3" and "DOWN" work everywhere):

- alertmanager, grafana (the `severity` label): critical/page → critical, error/high → major,
  warning/warn/medium → minor, info/informational → low.
- datadog (`$ALERT_PRIORITY`), opsgenie (`priority`): P1 → critical, P2 → major, P3 → minor, P4 and P5 → low.
- pagerduty: the incident priority (P1…P5 as above) when the account uses priorities, else its urgency:
  high → major (urgent, but not by itself an outage), low → low.

Datadog sends whatever template the user wrote, so Flare documents one (`DATADOG_TEMPLATE`, paste it as the
webhook's payload):

    {"alert_id": "$ALERT_ID", "transition": "$ALERT_TRANSITION", "title": "$EVENT_TITLE", "body": "$EVENT_MSG",
     "priority": "$ALERT_PRIORITY", "scope": "$ALERT_SCOPE", "tags": "$TAGS", "link": "$LINK", "date": "$DATE",
     "hostname": "$HOSTNAME", "org": {"id": "$ORG_ID", "name": "$ORG_NAME"}}

`$ALERT_TRANSITION` is documented as Recovered, Triggered/Re-Triggered, No Data/Re-No Data, Warn/Re-Warn,
Renotify: Recovered resolves, the others fire, anything else (older docs list "Null") is ignored.
"""

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from flare.rules.vocabulary import SEVERITY_RANK, parse_severity

# The incident API's own limits (flare.models), repeated here so the rules stay free of pydantic.
MAX_KEY = 255
MAX_TITLE = 255
MAX_DESCRIPTION = 10_000
MAX_METADATA_BYTES = 8192
# What a parser's metadata may take, leaving the receiver room for keys of its own (integration_id …).
METADATA_BUDGET = MAX_METADATA_BYTES - 512
MAX_SERVICE_NAME = 100
MAX_SERVICE_NAMES = 20
MAX_NOTE = 500
MAX_ALERT_DETAILS = 10

# Alertmanager's (and Grafana's) endsAt for an alert that is still firing: Go's zero time.
ZERO_TIME = "0001-01-01T00:00:00Z"

DATADOG_TEMPLATE: dict[str, Any] = {
    "alert_id": "$ALERT_ID",
    "transition": "$ALERT_TRANSITION",
    "title": "$EVENT_TITLE",
    "body": "$EVENT_MSG",
    "priority": "$ALERT_PRIORITY",
    "scope": "$ALERT_SCOPE",
    "tags": "$TAGS",
    "link": "$LINK",
    "date": "$DATE",
    "hostname": "$HOSTNAME",
    "org": {"id": "$ORG_ID", "name": "$ORG_NAME"},
}

_PRIORITIES = {"p1": "critical", "p2": "major", "p3": "minor", "p4": "low", "p5": "low"}
_LABEL_SEVERITIES = {
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
DEFAULT_SEVERITY_MAPPING: dict[str, dict[str, str]] = {
    "alertmanager": dict(_LABEL_SEVERITIES),
    "grafana": dict(_LABEL_SEVERITIES),
    "datadog": dict(_PRIORITIES),
    "pagerduty": {**_PRIORITIES, "high": "major", "low": "low"},
    "opsgenie": dict(_PRIORITIES),
}

_DATADOG_FIRING = {"triggered", "re-triggered", "warn", "re-warn", "no data", "re-no data", "renotify"}
_UNRENDERED = re.compile(r"^\$[A-Z][A-Z0-9_]*$")
_MAX_INTEGER = 2**63  # ids and counts are far smaller; this keeps str() and json.dumps cheap


class PayloadError(ValueError):
    """The body lacks what Flare needs or has it in the wrong type; `field` is a dotted path ("alerts.0.status")."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Alert:
    """What one delivery asks of Flare. dedupe_key becomes the incident's external_id; severity None means the
    sender said nothing usable (the caller applies its default); note is one timeline line (for ignore: why)."""

    action: Literal["fire", "resolve", "ignore"]
    dedupe_key: str
    title: str
    description: str
    severity: str | None
    service_names: tuple[str, ...]
    metadata: dict
    note: str


def map_severity(value: str | None, mapping: dict[str, str]) -> str | None:
    """The Flare severity for a sender's value: `mapping` first (keys casefolded), then the vocabulary's aliases,
    else None (the sender said nothing usable)."""
    if not isinstance(value, str) or not value.strip():
        return None
    # Later keys win, so `defaults | overrides` lets an override "Critical" replace the default "critical".
    folded = {key.strip().casefold(): severity for key, severity in mapping.items()}
    for candidate in (folded.get(value.strip().casefold()), value):
        try:
            return parse_severity(candidate)
        except ValueError:
            pass  # unmapped, or mapped to nothing valid: try the vocabulary's aliases
    return None


class _Object:
    """A JSON object and its dotted path, read with type checks whose errors name the field."""

    def __init__(self, value: Any, path: str):
        if not isinstance(value, dict):
            raise PayloadError(path or "body", "must be a JSON object")
        self.value = value
        self.path = path

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _get(self, key: str, required: bool) -> Any:
        value = self.value.get(key)
        if value is None and required:
            raise PayloadError(self.at(key), "is required")
        return value

    def text(self, key: str, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise PayloadError(self.at(key), "must be a string")
        if required and not value.strip():
            raise PayloadError(self.at(key), "must not be empty")
        return _clean(value)

    def identifier(self, key: str) -> str | None:
        """A string or an integer (ids some senders send as numbers), as a string."""
        value = self.value.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(self.integer(key))
        return self.text(key)

    def integer(self, key: str) -> int | None:
        value = self.value.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise PayloadError(self.at(key), "must be an integer")
        if abs(value) >= _MAX_INTEGER:
            raise PayloadError(self.at(key), "is out of range")
        return value

    def object(self, key: str, required: bool = False) -> "_Object | None":
        value = self._get(key, required)
        return None if value is None else _Object(value, self.at(key))

    def objects(self, key: str) -> list["_Object"]:
        value = self.value.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise PayloadError(self.at(key), "must be a list")
        return [_Object(item, self.at(f"{key}.{index}")) for index, item in enumerate(value)]

    def strings(self, key: str) -> list[str]:
        value = self.value.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise PayloadError(self.at(key), "must be a list of strings")
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise PayloadError(self.at(f"{key}.{index}"), "must be a string")
        return [_clean(item) for item in value]

    def labels(self, key: str) -> dict[str, str]:
        """A map of strings (Alertmanager's labels and annotations)."""
        value = self.object(key)
        if value is None:
            return {}
        for name, item in value.value.items():
            if not isinstance(item, str):
                raise PayloadError(value.at(name), "must be a string")
        return {_clean(name): _clean(item) for name, item in value.value.items()}


def _clean(text: str) -> str:
    # JSON may carry lone surrogates ("\ud800"), which no UTF-8 encoder (json, DynamoDB) accepts.
    if text.isascii():
        return text
    return text.encode("utf-8", "replace").decode("utf-8")


def _peek(value: Any, *keys: str) -> str | None:
    """A non-empty string at that path, or None: for ignored events, which are read without complaint."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return _clean(value) if isinstance(value, str) and value.strip() else None


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _line(text: str, limit: int) -> str:
    return _truncate(" ".join(text.split()), limit)


def _first_line(candidates: Iterable[str | None], fallback: str) -> str:
    for candidate in candidates:
        if candidate and candidate.strip():
            return _line(candidate, MAX_TITLE)
    return _line(fallback, MAX_TITLE)


def dedupe_key(*parts: str | None) -> str:
    """The parts joined by "/"; past 255 characters, a prefix and the whole key's sha256 (stable and unique)."""
    key = "/".join(part for part in parts if part)
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: MAX_KEY - len(digest) - 1]}#{digest}"


def _service_names(candidates: Iterable[str | None]) -> tuple[str, ...]:
    # Only what could be a Flare service name (1..100 characters), at most as many as an incident can affect.
    names = (name.strip() for name in candidates if name)
    unique = dict.fromkeys(name for name in names if 0 < len(name) <= MAX_SERVICE_NAME)
    return tuple(unique)[:MAX_SERVICE_NAMES]


def _tagged_services(tags: Iterable[str]) -> list[str]:
    """Names from "service:<name>" tags (Datadog and Opsgenie)."""
    return [tag.split(":", 1)[1] for tag in tags if tag.strip().casefold().startswith("service:")]


def _most_severe(severities: Iterable[str | None]) -> str | None:
    return min((s for s in severities if s), key=SEVERITY_RANK.__getitem__, default=None)


def _json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


def _shrink(value: Any, max_text: int, max_items: int) -> Any:
    if isinstance(value, str):
        return _truncate(value, max_text)
    if isinstance(value, dict):
        items = list(value.items())[:max_items]
        return {_truncate(key, max_text): _shrink(item, max_text, max_items) for key, item in items}
    if isinstance(value, list):
        return [_shrink(item, max_text, max_items) for item in value[:max_items]]
    return value


# Ever harder trims, tried in turn until the metadata fits; the first one changes nothing.
_TRIM_STEPS = ((None, None), (1000, 50), (200, 20), (50, 10), (20, 5))
_MIN_ALERT_DETAILS = 3


def _fit(metadata: dict) -> dict:
    """The metadata within METADATA_BUDGET: per-alert details beyond the first few are dropped first (counted
    in alerts_omitted), then long strings and collections are cut, harder at each step."""
    for step, (max_text, max_items) in enumerate(_TRIM_STEPS):
        if max_text is None:
            trimmed = dict(metadata)
        else:
            trimmed = {key: _shrink(value, max_text, max_items) for key, value in metadata.items()}
            trimmed["trimmed"] = True
        alerts = trimmed.get("alerts")
        if alerts is not None:
            trimmed["alerts"] = alerts = list(alerts)
            trimmed["alerts_omitted"] = metadata["alerts_omitted"] + len(metadata["alerts"]) - len(alerts)
            keep = 0 if step == len(_TRIM_STEPS) - 1 else _MIN_ALERT_DETAILS
            while _json_size(trimmed) > METADATA_BUDGET and len(alerts) > keep:
                alerts.pop()
                trimmed["alerts_omitted"] += 1
        if _json_size(trimmed) <= METADATA_BUDGET:
            return trimmed
    return {"trimmed": True}


def _alert(
    action: Literal["fire", "resolve", "ignore"],
    dedupe_key: str,
    title: str,
    note: str,
    *,
    description: str = "",
    severity: str | None = None,
    service_names: Iterable[str | None] = (),
    metadata: dict | None = None,
) -> Alert:
    return Alert(
        action=action,
        dedupe_key=dedupe_key,
        title=title,
        description=_truncate(description.strip(), MAX_DESCRIPTION),
        severity=severity,
        service_names=_service_names(service_names),
        metadata=_fit(metadata or {}),
        note=_line(note, MAX_NOTE),
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _parse_alert_group(payload: Any, mapping: dict[str, str], source: str) -> Alert:
    """Alertmanager's webhook (version 4) and Grafana's, which is the same shape plus orgId, title and message."""
    grafana = source == "Grafana"
    body = _Object(payload, "")
    status = body.text("status", required=True).strip().casefold()
    if status not in ("firing", "resolved"):
        raise PayloadError("status", "must be firing or resolved")
    action = "fire" if status == "firing" else "resolve"
    receiver = body.text("receiver")
    group_key = body.text("groupKey", required=True)
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
    firing = [alert for alert in alerts if alert["status"] == "firing"]
    resolved_count = sum(alert["status"] == "resolved" for alert in alerts)

    title = _first_line(
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
    severity = _most_severe(
        map_severity(labels.get("severity"), mapping) for labels in [common_labels, *(a["labels"] for a in considered)]
    )
    services = [group_labels.get("service"), common_labels.get("service")]
    services += [alert["labels"].get("service") for alert in alerts]

    if action == "resolve":
        note = f"{source}: all alerts resolved"
    elif resolved_count:
        note = f"{source}: {len(firing)} of {len(alerts)} alerts firing ({title})"
    else:
        note = f"{source}: {_plural(len(firing), 'alert')} firing ({title})"
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
    return _alert(
        action,
        dedupe_key(org_id, receiver, group_key),
        title,
        note,
        description=description,
        severity=severity,
        service_names=services,
        metadata=metadata,
    )


def parse_alertmanager(payload: Any, mapping: dict[str, str]) -> Alert:
    """Prometheus Alertmanager's webhook (version 4): one notification per alert group, keyed by receiver and
    groupKey; severity is the worst `severity` label among the firing alerts, services the `service` labels."""
    return _parse_alert_group(payload, mapping, "Alertmanager")


def parse_grafana(payload: Any, mapping: dict[str, str]) -> Alert:
    """Grafana Alerting's webhook: Alertmanager's shape keyed by orgId too; its title and message stand in when
    the group has no common summary or description."""
    return _parse_alert_group(payload, mapping, "Grafana")


def _rendered(value: str | None) -> str | None:
    """None for a Datadog variable left as written ("$ALERT_SCOPE") or an empty value."""
    if value is None or not value.strip() or _UNRENDERED.match(value.strip()):
        return None
    return value.strip()


def parse_datadog(payload: Any, mapping: dict[str, str]) -> Alert:
    """A Datadog webhook sent with Flare's template (DATADOG_TEMPLATE): keyed by monitor id and scope."""
    body = _Object(payload, "")
    alert_id = _rendered(body.identifier("alert_id"))
    if alert_id is None:
        raise PayloadError("alert_id", 'is required: use Flare\'s Datadog payload template ("alert_id": "$ALERT_ID")')
    transition = _rendered(body.text("transition"))
    if transition is None:
        raise PayloadError("transition", 'is required: use Flare\'s Datadog payload template ("$ALERT_TRANSITION")')
    scope = _rendered(body.text("scope"))
    key = dedupe_key(alert_id, scope)
    title = _first_line([_rendered(body.text("title"))], f"Datadog monitor {alert_id}")
    kind = " ".join(transition.casefold().split())
    if kind == "recovered":
        action, note = "resolve", f"Datadog: {transition}"
    elif kind in _DATADOG_FIRING:
        action, note = "fire", f"Datadog: {transition} ({title})"
    else:
        note = f"Datadog transition {_line(transition, 100)} is not handled"
        return _alert("ignore", key, title, note, metadata={"alert_id": alert_id, "transition": transition})

    priority = _rendered(body.text("priority"))
    tags = [tag.strip() for tag in (_rendered(body.text("tags")) or "").split(",") if tag.strip()]
    scope_tags = [tag.strip() for tag in (scope or "").split(",")]
    org = body.object("org")
    message = _rendered(body.text("body")) or ""
    # $EVENT_MSG wraps its markdown in %%% markers.
    message = message.removeprefix("%%%").removesuffix("%%%")
    metadata = {
        "alert_id": alert_id,
        "transition": transition,
        "priority": priority,
        "scope": scope,
        "link": _rendered(body.text("link")),
        "date": _rendered(body.identifier("date")),
        "hostname": _rendered(body.text("hostname")),
        "org": {"id": _rendered(org.identifier("id")), "name": _rendered(org.text("name"))} if org else None,
        "tags": tags,
    }
    return _alert(
        action,
        key,
        title,
        note,
        description=message,
        severity=map_severity(priority, mapping),
        service_names=_tagged_services(tags + scope_tags),
        metadata=metadata,
    )


_PAGERDUTY_ACTIONS = {"incident.triggered": "fire", "incident.reopened": "fire", "incident.resolved": "resolve"}


def parse_pagerduty(payload: Any, mapping: dict[str, str]) -> Alert:
    """PagerDuty Webhooks v3: an incident's triggered/reopened and resolved events, keyed by incident id; its
    other events (acknowledged, priority_updated, annotated, pagey.ping …) are ignored."""
    event = _Object(payload, "").object("event", required=True)
    event_type = event.text("event_type", required=True)
    action = _PAGERDUTY_ACTIONS.get(event_type, "ignore")
    if action == "ignore":
        key = dedupe_key(_peek(payload, "event", "data", "id") or _peek(payload, "event", "id") or "pagerduty")
        note = f"PagerDuty event {_line(event_type, 100)} is not handled"
        return _alert("ignore", key, "PagerDuty event", note, metadata={"event_type": event_type})

    data = event.object("data", required=True)
    incident_id = data.text("id", required=True)
    number = data.integer("number")
    incident = f"incident #{number}" if number is not None else "incident"
    title = _first_line([data.text("title")], f"PagerDuty {incident}")
    priority = data.object("priority")
    service = data.object("service")
    service_name = service.text("summary") if service else None
    severity = map_severity(priority.text("summary") if priority else None, mapping)
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
        "service": {"id": service.text("id"), "summary": service_name} if service else None,
        "event_id": event.text("id"),
        "event_type": event_type,
        "occurred_at": event.text("occurred_at"),
    }
    return _alert(
        action,
        dedupe_key(incident_id),
        title,
        note,
        severity=severity or map_severity(data.text("urgency"), mapping),
        service_names=[service_name],
        metadata=metadata,
    )


def parse_opsgenie(payload: Any, mapping: dict[str, str]) -> Alert:
    """Opsgenie's webhook: Create fires and Close resolves, keyed by the alert's alias (else its id); other
    actions (Acknowledge, AddNote, …) are ignored. Services come from "service:<name>" tags."""
    body = _Object(payload, "")
    action_name = body.text("action", required=True)
    action = {"create": "fire", "close": "resolve"}.get(action_name.strip().casefold(), "ignore")
    if action == "ignore":
        alias = _peek(payload, "alert", "alias") or _peek(payload, "alert", "alertId") or "opsgenie"
        note = f"Opsgenie action {_line(action_name, 100)} is not handled"
        return _alert("ignore", dedupe_key(alias), "Opsgenie alert", note, metadata={"action": action_name})

    alert = body.object("alert", required=True)
    alias = alert.text("alias")
    alert_id = alert.text("alertId")
    key = (alias or "").strip() or (alert_id or "").strip()
    if not key:
        raise PayloadError("alert.alias", "is required (or alert.alertId)")
    title = _first_line([alert.text("message")], "Opsgenie alert")
    tags = alert.strings("tags")
    note = f"Opsgenie: alert created ({title})" if action == "fire" else "Opsgenie: alert closed"
    metadata = {
        "alert_id": alert_id,
        "tiny_id": alert.identifier("tinyId"),
        "alias": alias,
        "source": alert.text("source"),
        "tags": tags,
        "teams": alert.strings("teams"),
        "integration_name": body.text("integrationName"),
    }
    return _alert(
        action,
        dedupe_key(key),
        title,
        note,
        description=alert.text("description") or "",
        severity=map_severity(alert.text("priority"), mapping),
        service_names=_tagged_services(tags),
        metadata=metadata,
    )


PARSERS: dict[str, Callable[[Any, dict[str, str]], Alert]] = {
    "alertmanager": parse_alertmanager,
    "grafana": parse_grafana,
    "datadog": parse_datadog,
    "pagerduty": parse_pagerduty,
    "opsgenie": parse_opsgenie,
}
