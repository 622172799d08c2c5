"""Alert receivers: a delivery from an alerting tool becomes one correct incident (rules.dedupe, rules.alerts).

Senders retry on 5xx and repeat on 4xx, so a well-formed delivery is never refused: whatever it says is
created, absorbed, reopened, resolved or (with the reason) ignored. Only bad credentials, a bad signature or a
malformed body get a 4xx.
"""

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from flare import clock, incidents, signatures, store
from flare.auth import Caller
from flare.errors import NotFound, Unauthorized, ValidationFailed
from flare.ids import is_id
from flare.models import Actor, AlertReceived, Incident, Integration, Message
from flare.rules.alerts import DEFAULT_SEVERITY_MAPPING, PARSERS, Alert, PayloadError, dedupe_key
from flare.rules.dedupe import DedupePolicy
from flare.rules.vocabulary import incident_reference

SENDERS = {
    "alertmanager": "Alertmanager",
    "grafana": "Grafana",
    "datadog": "Datadog",
    "pagerduty": "PagerDuty",
    "opsgenie": "Opsgenie",
}


def receive(caller: Caller, kind: str, integration_id: str, body: bytes, headers: Mapping[str, str]) -> AlertReceived:
    """Take one delivery from `kind`'s sender for the integration `integration_id`. A repeat costs two round
    trips (read everything, count it), a new alert two (read everything, file it)."""
    payload = json.loads(body)

    def parse(mapping: dict[str, str]) -> Alert:
        # Keys are scoped to the integration: two Alertmanagers with one config (prod, staging) stay apart.
        alert = PARSERS[kind](payload, mapping)
        return replace(alert, dedupe_key=dedupe_key(integration_id, alert.dedupe_key))

    try:
        alert, malformed = parse(DEFAULT_SEVERITY_MAPPING[kind]), None
    except PayloadError as error:
        alert, malformed = None, error
    lowered = {name.lower(): value for name, value in headers.items()}
    delivery_id = _delivery_id(kind, alert, lowered)
    now = clock.now()
    context = (
        store.alert_context(
            caller.org_id,
            integration_id,
            kind,
            alert.dedupe_key if alert else None,
            alert.service_names if alert else (),
            delivery_id=delivery_id,
            now=now,
        )
        if is_id(integration_id, "int")
        else store.AlertContext(None, None, {})
    )
    integration = context.integration
    if integration is None or integration.type != kind:
        raise NotFound(f"no {kind} integration {integration_id}")
    _verify(integration, body, lowered)
    if malformed:
        raise ValidationFailed.of(malformed.field, malformed.message)
    if integration.severity_mapping:  # the organisation's own mapping over the type's defaults
        alert = parse(DEFAULT_SEVERITY_MAPPING[kind] | integration.severity_mapping)
    if alert.action == "ignore":
        return AlertReceived(outcome="ignored", incident_id=None, occurrences=None, detail=alert.note)
    if context.delivered_before:
        detail = f"this delivery ({delivery_id}) was received before and acted on then; not acted on again"
        return AlertReceived(outcome="ignored", incident_id=None, occurrences=None, detail=detail)
    received = _resolve(caller, context, alert) if alert.action == "resolve" else _fire(caller, context, alert)
    if delivery_id and integration.signing_secret and received.outcome != "ignored":
        # Recorded once acted on, so that a sender's retry after a failure still acts. Only for signed senders:
        # an unsigned delivery's id proves nothing and would let anyone holding the key block a later one.
        store.record_delivery(caller.org_id, integration.id, delivery_id, expires_at=now + DELIVERY_MEMORY)
    return received


# How long a delivery is remembered: longer than any sender's redeliveries (PagerDuty retries for hours) and
# than a Grafana signature's 5-minute window.
DELIVERY_MEMORY = timedelta(days=7)


def _delivery_id(kind: str, alert: Alert | None, headers: Mapping[str, str]) -> str | None:
    """What identifies this very delivery: the sender's event id (PagerDuty), else a signature that covers a
    timestamp (Grafana's, valid 5 minutes: the same signature again is the same request again)."""
    if alert is not None and alert.delivery_id:
        return alert.delivery_id
    if kind == "grafana" and headers.get(signatures.GRAFANA_TIMESTAMP_HEADER.lower()):
        return headers.get(signatures.GRAFANA_SIGNATURE_HEADER.lower())
    return None


def _verify(integration: Integration, body: bytes, headers: Mapping[str, str]) -> None:
    """Where the sender signs and the integration has its secret, the signature must match (401 otherwise)."""
    secret = integration.signing_secret
    if secret is None:
        return
    try:
        if integration.type == "pagerduty":
            signatures.verify_pagerduty(secret, body, headers.get(signatures.PAGERDUTY_SIGNATURE_HEADER.lower()))
        elif integration.type == "grafana":
            signatures.verify_grafana(
                secret,
                body,
                headers.get(signatures.GRAFANA_SIGNATURE_HEADER.lower()),
                headers.get(signatures.GRAFANA_TIMESTAMP_HEADER.lower()),
                clock.now().timestamp(),
            )
    except signatures.SignatureError as error:
        raise Unauthorized(f"{SENDERS[integration.type]} signature rejected: {error}") from None


def _fire(caller: Caller, context: store.AlertContext, alert: Alert) -> AlertReceived:
    integration = context.integration
    if absorbed := incidents.absorb_claimed(caller, context.claim):  # the common case: a repeat
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
        incident = incidents.new_incident(
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
            return _received(incidents.file_incident(caller, draft, reopen_note=alert.note), integration)
        except store.ServiceMissing as missing:
            if missing.service_id not in services:
                raise
            # Deleted since it was looked up (or a default since removed): file without it, never refuse.
            services.remove(missing.service_id)


def _received(filed: "incidents.Filed", integration: Integration) -> AlertReceived:
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


def _resolve(caller: Caller, context: store.AlertContext, alert: Alert) -> AlertReceived:
    claim = context.claim
    if claim is None or claim.get("resolved"):
        return _nothing_open(alert)
    try:
        incident, _messages = incidents.resolve(caller, claim["incident_id"], alert.note)
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
