"""Alerting tools' webhook bodies, parsed into one neutral `Alert` that the integrations endpoint acts on.

Each parser takes the JSON-decoded body and a severity mapping (the caller's complete mapping: usually
`DEFAULT_SEVERITY_MAPPING[kind]` updated with the organisation's overrides). Nothing but `PayloadError` is ever
raised, whatever the JSON, and that only over what identifies the delivery:

- The body must be a JSON object. What says which alert it is and what happened to it must be there and
  usable: Alertmanager's and Grafana's `status` (firing or resolved) and `groupKey` (with `receiver` and
  Grafana's `orgId` when given), Datadog's `alert_id` and `transition` (with `scope` when given), PagerDuty's
  `event` and `event.event_type` (and `event.data.id` for the events Flare acts on), Opsgenie's `action` (and
  `alert.alias`, else `alert.alertId`, for Create and Close). Ids may be strings or numbers (a number stands
  for its decimal string: 7 and "7" are one key); event names must be strings. Null is absent. A list, an
  object or a boolean in one of these places is refused, naming the field: guessing an identity from it could
  merge unrelated alerts or split one, which no later delivery can undo.
- Everything else is read only for mapping (severity, services, title, description) or metadata, and never
  refuses a delivery: a number or boolean where text is expected is read as its JSON text (3 → "3", true →
  "true", 3.0 → "3"), a list as its first item that has a text form (["P1"] → "P1"), text where a number is
  expected as the number if it is one ("2" → 2), an object of labels that is not one as no labels, a label
  or tag that has no text form is left out, `alerts` that is not a list as no per-alert details, tags given
  as one string as its comma-separated parts, and anything else unusable (an object where text is expected,
  NaN, a number too large to be a count) as absent. Unknown fields are ignored.

Default severity mappings (keys match case-insensitively; anything unmapped goes through the vocabulary's
aliases, so "critical", "P2", "sev3" and "DOWN" work everywhere):

- alertmanager, grafana (the `severity` label): critical/page → critical, error/high → major,
  warning/warn/medium → minor, info/informational → low.
- datadog (`$ALERT_PRIORITY`), opsgenie (`priority`): P1 → critical, P2 → major, P3 → minor, P4 and P5 → low.
  A bare 1…5 (the number 3 or the text "3") maps as P1…P5 does, the organisation's mapping for "P3"
  included, unless that mapping has a key for the bare number itself.
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
import math
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
_MAX_INTEGER = 2**63  # counts are far smaller: a larger one is dropped, which keeps json.dumps cheap


class PayloadError(ValueError):
    """What identifies the delivery is absent or unusable; `field` is a dotted path ("event.data.id")."""

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
    # The sender's id of this very delivery, where it sends one (PagerDuty's event.id): a delivery seen before
    # is a replay (or the sender's redelivery) and is not acted on again.
    delivery_id: str | None = None


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


_BARE_PRIORITY = re.compile(r"^[1-5]$")


def _map_priority(value: str | None, mapping: dict[str, str]) -> str | None:
    """map_severity for a P1…P5 scale (Datadog, Opsgenie), a bare 1…5 read as P1…P5 unless `mapping` has a key
    for the bare number itself."""
    bare = value.strip() if value is not None and _BARE_PRIORITY.match(value.strip()) else None
    if bare and bare not in {key.strip().casefold() for key in mapping}:
        value = f"P{bare}"
    return map_severity(value, mapping)


_UNWRAP_DEPTH = 4  # how many levels of lists a value read for mapping or metadata is looked for in
_EXACT_FLOAT = 2**53  # an integral float below this is read as the integer it is (3.0 → "3")
_COUNT = re.compile(r"^[+-]?[0-9]{1,18}$")


def _number_text(value: int | float) -> str | None:
    """A JSON number's decimal text (integral floats as integers), or None for NaN, infinities and integers
    too long to print."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < _EXACT_FLOAT else repr(value)
    try:
        return str(value)
    except ValueError:  # past the interpreter's digit limit (json.loads refuses such numbers anyway)
        return None


def _first_usable(value: Any, read: Callable[[Any], Any], depth: int = 0) -> Any:
    """`read(value)`; for a list (a value some sender wraps), the first of its items that `read` makes something
    of, a few levels down at most."""
    if isinstance(value, list):
        if depth >= _UNWRAP_DEPTH:
            return None
        return next((found for item in value if (found := _first_usable(item, read, depth + 1)) is not None), None)
    return read(value)


def _text_of(value: Any) -> str | None:
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number_text(value)
    return None


def _integer_of(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < _MAX_INTEGER else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < _EXACT_FLOAT else None
    if isinstance(value, str):
        return int(value.strip()) if _COUNT.match(value.strip()) else None
    return None


def _as_text(value: Any) -> str | None:
    """A value read for mapping or metadata, as text: a string as is, a number or boolean as its JSON text, a
    list as its first item that has a text form; None for null, an object or anything unprintable."""
    return _first_usable(value, _text_of)


def _as_integer(value: Any) -> int | None:
    """A count or number read for metadata: an integer (or an integral float, or text that is an integer)
    within range, or the first such item of a list; None otherwise."""
    return _first_usable(value, _integer_of)


def _as_object(value: Any) -> dict | None:
    """An object read for mapping or metadata, or the first object of a list; None otherwise."""
    return _first_usable(value, lambda item: item if isinstance(item, dict) else None)


class _Object:
    """A JSON object and its dotted path. `identifier` and `required_object` read what identifies the delivery,
    with errors that name the field; every other accessor is lenient and never raises (module docstring)."""

    def __init__(self, value: Any, path: str):
        if not isinstance(value, dict):
            raise PayloadError(path or "body", "must be a JSON object")
        self.value = value
        self.path = path

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    # What identifies the delivery: refused, naming the field, when absent (if required) or unusable.

    def identifier(self, key: str, *, required: bool = False, numbers: bool = True) -> str | None:
        """A string, or (`numbers`: ids some senders send as numbers) a number as its decimal text."""
        value = self.value.get(key)
        if value is None:
            if required:
                raise PayloadError(self.at(key), "is required")
            return None
        if isinstance(value, str):
            text = _clean(value)
        elif numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
            text = _number_text(value)
            if text is None:
                raise PayloadError(self.at(key), "must be a finite number")
        else:
            raise PayloadError(self.at(key), "must be a string or a number" if numbers else "must be a string")
        if required and not text.strip():
            raise PayloadError(self.at(key), "must not be empty")
        return text

    def required_object(self, key: str) -> "_Object":
        value = self.value.get(key)
        if value is None:
            raise PayloadError(self.at(key), "is required")
        return _Object(value, self.at(key))

    # What is read for mapping or metadata: coerced where meaningful, else absent; never an error.

    def text(self, key: str) -> str | None:
        return _as_text(self.value.get(key))

    def integer(self, key: str) -> int | None:
        return _as_integer(self.value.get(key))

    def object(self, key: str) -> "_Object | None":
        found = _as_object(self.value.get(key))
        return None if found is None else _Object(found, self.at(key))

    def objects(self, key: str) -> list["_Object"]:
        """The objects of a list (its other items skipped); none when it is not a list."""
        value = self.value.get(key)
        if not isinstance(value, list):
            return []
        return [_Object(item, self.at(f"{key}.{index}")) for index, item in enumerate(value) if isinstance(item, dict)]

    def strings(self, key: str) -> list[str]:
        """A list's items that have a text form; one string is taken as its comma-separated parts."""
        value = self.value.get(key)
        if isinstance(value, str):
            return [part.strip() for part in _clean(value).split(",") if part.strip()]
        if not isinstance(value, list):
            text = _as_text(value)
            return [] if text is None else [text]
        return [text for text in map(_as_text, value) if text is not None]

    def labels(self, key: str) -> dict[str, str]:
        """A map of strings (Alertmanager's labels and annotations): values that have a text form, as text."""
        value = self.object(key)
        if value is None:
            return {}
        labels = ((_clean(name), _as_text(item)) for name, item in value.value.items())
        return {name: text for name, text in labels if text is not None}


def _clean(text: str) -> str:
    # JSON may carry lone surrogates ("\ud800"), which no UTF-8 encoder (json, DynamoDB) accepts.
    if text.isascii():
        return text
    return text.encode("utf-8", "replace").decode("utf-8")


def _peek(value: Any, *keys: str) -> str | None:
    """A non-empty string (or a number's text) at that path, or None: for ignored events, which are read
    without complaint."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = _clean(value) if isinstance(value, str) else _number_text(value)
    return text if text and text.strip() else None


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
    delivery_id: str | None = None,
) -> Alert:
    return Alert(
        delivery_id=delivery_id,
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
    transition = _rendered(body.identifier("transition", numbers=False))
    if transition is None:
        raise PayloadError("transition", 'is required: use Flare\'s Datadog payload template ("$ALERT_TRANSITION")')
    scope = _rendered(body.identifier("scope"))
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
    # "$TAGS" renders as one comma-separated string; a list of them (or of lists of tags) is read the same.
    tags = [tag.strip() for item in body.strings("tags") for tag in (_rendered(item) or "").split(",") if tag.strip()]
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
        "date": _rendered(body.text("date")),
        "hostname": _rendered(body.text("hostname")),
        "org": {"id": _rendered(org.text("id")), "name": _rendered(org.text("name"))} if org else None,
        "tags": tags,
    }
    return _alert(
        action,
        key,
        title,
        note,
        description=message,
        severity=_map_priority(priority, mapping),
        service_names=_tagged_services(tags + scope_tags),
        metadata=metadata,
    )


_PAGERDUTY_ACTIONS = {"incident.triggered": "fire", "incident.reopened": "fire", "incident.resolved": "resolve"}


def parse_pagerduty(payload: Any, mapping: dict[str, str]) -> Alert:
    """PagerDuty Webhooks v3: an incident's triggered/reopened and resolved events, keyed by incident id; its
    other events (acknowledged, priority_updated, annotated, pagey.ping …) are ignored."""
    event = _Object(payload, "").required_object("event")
    event_type = event.identifier("event_type", required=True, numbers=False)
    action = _PAGERDUTY_ACTIONS.get(event_type, "ignore")
    if action == "ignore":
        key = dedupe_key(_peek(payload, "event", "data", "id") or _peek(payload, "event", "id") or "pagerduty")
        note = f"PagerDuty event {_line(event_type, 100)} is not handled"
        return _alert("ignore", key, "PagerDuty event", note, metadata={"event_type": event_type})

    data = event.required_object("data")
    incident_id = data.identifier("id", required=True)
    number = data.integer("number")
    incident = f"incident #{number}" if number is not None else "incident"
    title = _first_line([data.text("title")], f"PagerDuty {incident}")
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
    return _alert(
        action,
        dedupe_key(incident_id),
        title,
        note,
        severity=severity or map_severity(data.text("urgency"), mapping),
        service_names=[service_name],
        metadata=metadata,
        delivery_id=event.text("id"),
    )


def parse_opsgenie(payload: Any, mapping: dict[str, str]) -> Alert:
    """Opsgenie's webhook: Create fires and Close resolves, keyed by the alert's alias (else its id); other
    actions (Acknowledge, AddNote, …) are ignored. Services come from "service:<name>" tags."""
    body = _Object(payload, "")
    action_name = body.identifier("action", required=True, numbers=False)
    action = {"create": "fire", "close": "resolve"}.get(action_name.strip().casefold(), "ignore")
    if action == "ignore":
        alias = _peek(payload, "alert", "alias") or _peek(payload, "alert", "alertId") or "opsgenie"
        note = f"Opsgenie action {_line(action_name, 100)} is not handled"
        return _alert("ignore", dedupe_key(alias), "Opsgenie alert", note, metadata={"action": action_name})

    # The alert holds its key: absent, it has no alias (refused below); anything but an object is refused.
    alert_value = body.value.get("alert")
    alert = _Object({} if alert_value is None else alert_value, "alert")
    alias = alert.identifier("alias")
    key = (alias or "").strip()
    # alertId keys the alert only without an alias; otherwise it is metadata like the rest.
    alert_id = alert.text("alertId") if key else alert.identifier("alertId")
    key = key or (alert_id or "").strip()
    if not key:
        raise PayloadError("alert.alias", "is required (or alert.alertId)")
    title = _first_line([alert.text("message")], "Opsgenie alert")
    tags = alert.strings("tags")
    note = f"Opsgenie: alert created ({title})" if action == "fire" else "Opsgenie: alert closed"
    metadata = {
        "alert_id": alert_id,
        "tiny_id": alert.text("tinyId"),
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
        severity=_map_priority(alert.text("priority"), mapping),
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
