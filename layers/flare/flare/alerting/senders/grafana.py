"""Grafana Alerting's webhook contact point: Alertmanager's alert group shape, plus orgId (part of the key), title
and message. Its default severity mapping is Alertmanager's. Signing is opt-in: with the integration's secret,
`X-Grafana-Alerting-Signature` is verified (flare.alerting.signatures), over a timestamp when one is configured.
"""

from collections.abc import Mapping
from typing import Any

from flare.alerting import signatures
from flare.alerting.senders.alert import Alert
from flare.alerting.senders.alertmanager import LABEL_SEVERITIES, parse_alert_group
from flare.alerting.senders.sender import Sender

TITLE = "Grafana"


def parse(payload: Any, mapping: dict[str, str]) -> Alert:
    """Keyed by orgId, receiver and groupKey; its title and message stand in when the group has no common
    summary or description."""
    return parse_alert_group(payload, mapping, TITLE, grafana=True)


def verify(secret: str, body: bytes, headers: Mapping[str, str], now: float) -> None:
    signatures.verify_grafana(
        secret,
        body,
        headers.get(signatures.GRAFANA_SIGNATURE_HEADER.lower()),
        headers.get(signatures.GRAFANA_TIMESTAMP_HEADER.lower()),
        now,
    )


def header_delivery_id(headers: Mapping[str, str]) -> str | None:
    # A signature that covers a timestamp is valid 5 minutes: the same signature again is the same request again.
    if headers.get(signatures.GRAFANA_TIMESTAMP_HEADER.lower()):
        return headers.get(signatures.GRAFANA_SIGNATURE_HEADER.lower())
    return None


SENDER = Sender(
    name="grafana",
    title=TITLE,
    default_severity_mapping=dict(LABEL_SEVERITIES),
    parse=parse,
    signs="optional",
    verify=verify,
    header_delivery_id=header_delivery_id,
)
