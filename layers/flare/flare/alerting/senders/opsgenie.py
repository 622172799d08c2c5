"""Opsgenie's webhook: Create fires and Close resolves; other actions (Acknowledge, AddNote, …) are ignored.

What identifies a delivery: `action`, and for Create and Close `alert.alias`, else `alert.alertId`. Default
severity mapping (`priority`): P1 → critical, P2 → major, P3 → minor, P4 and P5 → low; a bare 1…5 as P1…P5.
"""

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
from flare.alerting.senders.reading import PRIORITIES, JsonObject, map_priority, peek
from flare.alerting.senders.sender import Sender


def parse(payload: Any, mapping: dict[str, str]) -> Alert:
    """Keyed by the alert's alias (else its id). Services come from "service:<name>" tags."""
    body = JsonObject(payload, "")
    action_name = body.identifier("action", required=True, numbers=False)
    action = {"create": "fire", "close": "resolve"}.get(action_name.strip().casefold(), "ignore")
    if action == "ignore":
        alias = peek(payload, "alert", "alias") or peek(payload, "alert", "alertId") or "opsgenie"
        note = f"Opsgenie action {one_line(action_name, 100)} is not handled"
        return new_alert("ignore", dedupe_key(alias), "Opsgenie alert", note, metadata={"action": action_name})

    # The alert holds its key: absent, it has no alias (refused below); anything but an object is refused.
    alert_value = body.value.get("alert")
    alert = JsonObject({} if alert_value is None else alert_value, "alert")
    alias = alert.identifier("alias")
    key = (alias or "").strip()
    # alertId keys the alert only without an alias; otherwise it is metadata like the rest.
    alert_id = alert.text("alertId") if key else alert.identifier("alertId")
    key = key or (alert_id or "").strip()
    if not key:
        raise PayloadError("alert.alias", "is required (or alert.alertId)")
    title = first_line([alert.text("message")], "Opsgenie alert")
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
    return new_alert(
        action,
        dedupe_key(key),
        title,
        note,
        description=alert.text("description") or "",
        severity=map_priority(alert.text("priority"), mapping),
        service_names=tagged_services(tags),
        metadata=metadata,
    )


SENDER = Sender(name="opsgenie", title="Opsgenie", default_severity_mapping=dict(PRIORITIES), parse=parse)
