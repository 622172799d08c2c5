"""Datadog's webhook, sent with Flare's payload template.

Datadog sends whatever template the user wrote, so Flare documents one (`PAYLOAD_TEMPLATE`, paste it as the
webhook's payload):

    {"alert_id": "$ALERT_ID", "transition": "$ALERT_TRANSITION", "title": "$EVENT_TITLE", "body": "$EVENT_MSG",
     "priority": "$ALERT_PRIORITY", "scope": "$ALERT_SCOPE", "tags": "$TAGS", "link": "$LINK", "date": "$DATE",
     "hostname": "$HOSTNAME", "org": {"id": "$ORG_ID", "name": "$ORG_NAME"}, "id": "$ID"}

What identifies the alert: `alert_id`, with `scope` when given; `transition` says what happened to it. `id` ($ID,
also in Datadog's default template) is the notification's event id: Datadog sends each notification under a new
one and retries it (after a 5xx) under the same, so a delivery with an id seen before is not acted on again.

`$ALERT_TRANSITION` is documented as Recovered, Triggered/Re-Triggered, No Data/Re-No Data, Warn/Re-Warn,
Renotify: Recovered resolves, the others fire, anything else (older docs list "Null") is ignored. Default severity
mapping (`$ALERT_PRIORITY`): P1 → critical, P2 → major, P3 → minor, P4 and P5 → low; a bare 1…5 as P1…P5.
"""

import re
from typing import Any

from flare.alerting.senders.alert import (
    Alert,
    PayloadError,
    dedupe_key,
    first_line,
    new_alert,
    one_line,
    tagged_services,
)
from flare.alerting.senders.reading import PRIORITIES, JsonObject, map_priority
from flare.alerting.senders.sender import Sender

PAYLOAD_TEMPLATE: dict[str, Any] = {
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
    "id": "$ID",
}

_FIRING = {"triggered", "re-triggered", "warn", "re-warn", "no data", "re-no data", "renotify"}
_UNRENDERED = re.compile(r"^\$[A-Z][A-Z0-9_]*$")


def _rendered(value: str | None) -> str | None:
    """None for a Datadog variable left as written ("$ALERT_SCOPE") or an empty value."""
    if value is None or not value.strip() or _UNRENDERED.match(value.strip()):
        return None
    return value.strip()


def parse(payload: Any, mapping: dict[str, str]) -> Alert:
    """A Datadog webhook sent with Flare's template (PAYLOAD_TEMPLATE): keyed by monitor id and scope."""
    body = JsonObject(payload, "")
    alert_id = _rendered(body.identifier("alert_id"))
    if alert_id is None:
        raise PayloadError("alert_id", 'is required: use Flare\'s Datadog payload template ("alert_id": "$ALERT_ID")')
    transition = _rendered(body.identifier("transition", numbers=False))
    if transition is None:
        raise PayloadError("transition", 'is required: use Flare\'s Datadog payload template ("$ALERT_TRANSITION")')
    scope = _rendered(body.identifier("scope"))
    key = dedupe_key(alert_id, scope)
    title = first_line([_rendered(body.text("title"))], f"Datadog monitor {alert_id}")
    kind = " ".join(transition.casefold().split())
    if kind == "recovered":
        action, note = "resolve", f"Datadog: {transition}"
    elif kind in _FIRING:
        action, note = "fire", f"Datadog: {transition} ({title})"
    else:
        note = f"Datadog transition {one_line(transition, 100)} is not handled"
        return new_alert("ignore", key, title, note, metadata={"alert_id": alert_id, "transition": transition})

    event_id = _rendered(body.text("id"))
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
        "event_id": event_id,
        "transition": transition,
        "priority": priority,
        "scope": scope,
        "link": _rendered(body.text("link")),
        "date": _rendered(body.text("date")),
        "hostname": _rendered(body.text("hostname")),
        "org": {"id": _rendered(org.text("id")), "name": _rendered(org.text("name"))} if org else None,
        "tags": tags,
    }
    return new_alert(
        action,
        key,
        title,
        note,
        description=message,
        severity=map_priority(priority, mapping),
        service_names=tagged_services(tags + scope_tags),
        metadata=metadata,
        delivery_id=event_id,
    )


SENDER = Sender(name="datadog", title="Datadog", default_severity_mapping=dict(PRIORITIES), parse=parse)
