"""Alert receivers: a delivery from an alerting tool becomes one correct incident (incidents.dedupe; the sender's
module in alerting.senders reads its body and checks its signature).

Senders retry on 5xx and repeat on 4xx, so a well-formed delivery is never refused: whatever it says is
created, absorbed, reopened, resolved or (with the reason) ignored. Only bad credentials, a bad signature or a
malformed body get a 4xx.
"""

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from flare import clock
from flare.access.auth import Caller
from flare.alerting import port, senders
from flare.alerting.models import AlertContext, AlertReceived, Integration
from flare.alerting.senders.alert import Alert, PayloadError, dedupe_key
from flare.alerting.signatures import SignatureError
from flare.errors import NotFound, Unauthorized, ValidationFailed
from flare.fields import Actor, incident_reference
from flare.ids import is_id
from flare.incidents import filing
from flare.incidents import use_cases as incidents
from flare.incidents.dedupe import DedupePolicy
from flare.incidents.models import Incident, Message
from flare.store.errors import ServiceMissing


def receive(caller: Caller, kind: str, integration_id: str, body: bytes, headers: Mapping[str, str]) -> AlertReceived:
    """Take one delivery from `kind`'s sender for the integration `integration_id`. A repeat costs two round
    trips (read everything, count it), a new alert two (read everything, file it)."""
    payload = json.loads(body)
    sender = senders.SENDERS[kind]

    def parse(mapping: dict[str, str]) -> Alert:
        # Keys are scoped to the integration: two Alertmanagers with one config (prod, staging) stay apart.
        alert = sender.parse(payload, mapping)
        return replace(alert, dedupe_key=dedupe_key(integration_id, alert.dedupe_key))

    try:
        alert, malformed = parse(sender.default_severity_mapping), None
    except PayloadError as error:
        alert, malformed = None, error
    lowered = {name.lower(): value for name, value in headers.items()}
    delivery_id = _delivery_id(sender, alert, lowered)
    now = clock.now()
    context = (
        port.integrations().alert_context(
            caller.org_id,
            integration_id,
            kind,
            alert.dedupe_key if alert else None,
            alert.service_names if alert else (),
            delivery_id=delivery_id,
            now=now,
        )
        if is_id(integration_id, "int")
        else AlertContext(None, None, {})
    )
    integration = context.integration
    if integration is None or integration.type != kind:
        raise NotFound(f"no {kind} integration {integration_id}")
    _verify(sender, integration, body, lowered, now)
    if malformed:
        raise ValidationFailed.of(malformed.field, malformed.message)
    if integration.severity_mapping:  # the organisation's own mapping over the type's defaults
        alert = parse(sender.default_severity_mapping | integration.severity_mapping)
    if alert.action == "ignore":
        return AlertReceived(outcome="ignored", incident_id=None, occurrences=None, detail=alert.note)
    if context.delivered_before:
        detail = f"this delivery ({delivery_id}) was received before and acted on then; not acted on again"
        return AlertReceived(outcome="ignored", incident_id=None, occurrences=None, detail=detail)
    received = _resolve(caller, context, alert) if alert.action == "resolve" else _fire(caller, context, alert)
    if delivery_id and received.outcome != "ignored":
        # Recorded once acted on, so that a sender's retry after a failure still acts. An unsigned sender's id
        # (Datadog's $ID) proves nothing: whoever holds the key could send a future id first and have that
        # delivery ignored, but the same key can resolve or post to any incident outright.
        port.deliveries().record_delivery(caller.org_id, integration.id, delivery_id, expires_at=now + DELIVERY_MEMORY)
    return received


# How long a delivery is remembered: longer than any sender's redeliveries (PagerDuty retries for hours) and
# than a Grafana signature's 5-minute window.
DELIVERY_MEMORY = timedelta(days=7)


def _delivery_id(sender: senders.Sender, alert: Alert | None, headers: Mapping[str, str]) -> str | None:
    """What identifies this very delivery: the sender's event id (PagerDuty's, Datadog's), else what its headers
    make unrepeatable (Grafana's signature over a timestamp)."""
    if alert is not None and alert.delivery_id:
        return alert.delivery_id
    return sender.header_delivery_id(headers) if sender.header_delivery_id else None


def _verify(
    sender: senders.Sender, integration: Integration, body: bytes, headers: Mapping[str, str], now: datetime
) -> None:
    """Where the sender signs and the integration has its secret, the signature must match (401 otherwise)."""
    secret = integration.signing_secret
    if secret is None or sender.verify is None:
        return
    try:
        sender.verify(secret, body, headers, now.timestamp())
    except SignatureError as error:
        raise Unauthorized(f"{sender.title} signature rejected: {error}") from None


def _fire(caller: Caller, context: AlertContext, alert: Alert) -> AlertReceived:
    integration = context.integration
    if absorbed := filing.absorb_claimed(caller, context.claim):  # the common case: a repeat
        return _received(absorbed, integration)
    by_name = context.service_ids
    services = list(dict.fromkeys(by_name.values())) or list(integration.default_services)
    metadata = dict(alert.metadata, integration_id=integration.id)
    unmatched = [name for name in alert.service_names if name.casefold() not in by_name]
    if unmatched:
        metadata["unmatched_services"] = unmatched
    policy = DedupePolicy(cooldown=timedelta(minutes=integration.cooldown_minutes))

    # The integration files it (through the sender's API key).
    filer = replace(caller, actor=Actor(type="integration", id=integration.id, name=integration.name))

    def draft(now: datetime) -> tuple[Incident, list[Message]]:
        incident = filing.new_incident(
            filer,
            now,
            title=alert.title,
            description=alert.description,
            severity=alert.severity or integration.default_severity,
            publish=integration.publish,
            affected_services=services,
            source=integration.type,
            external_id=alert.dedupe_key,
            metadata=metadata,
            policy=policy,
        )
        return incident, [incidents.new_message(caller, incident.id, "investigating", alert.note, now)]

    while True:
        try:
            return _received(filing.file_incident(caller, draft, reopen_note=alert.note), integration)
        except ServiceMissing as missing:
            if missing.service_id not in services:
                raise
            # Deleted since it was looked up (or a default since removed): file without it, never refuse.
            services.remove(missing.service_id)


def _received(filed: "filing.Filed", integration: Integration) -> AlertReceived:
    incident = filed.incident
    detail = {
        "created": f"opened {incident.id}",
        "absorbed": f"repeat counted on {incident.id}",
        "reopened": f"{incident.id} fired again within {integration.cooldown_minutes} minutes of resolving: reopened",
    }[filed.outcome]
    return AlertReceived(
        outcome=filed.outcome,
        incident_id=incident.id,
        reference=incident_reference(incident.number),
        occurrences=incident.occurrences,
        detail=detail,
    )


def _resolve(caller: Caller, context: AlertContext, alert: Alert) -> AlertReceived:
    claim = context.claim
    if claim is None or claim.resolved:
        return _nothing_open(alert)
    try:
        incident, _messages = incidents.resolve(caller, claim.incident_id, alert.note)
    except NotFound:  # deleted meanwhile
        return _nothing_open(alert)
    return AlertReceived(
        outcome="resolved",
        incident_id=incident.id,
        reference=incident_reference(incident.number),
        occurrences=incident.occurrences,
        detail=f"resolved {incident.id}",
    )


def _nothing_open(alert: Alert) -> AlertReceived:
    return AlertReceived(
        outcome="ignored", incident_id=None, occurrences=None, detail="no unresolved incident for this alert"
    )
