"""The webhook channel: which deliveries an organisation's events call for, and one attempt of a delivery.

A delivery is one event for one subscription (its id derived from both, so a repeat of the event is the same
delivery). Its body follows Standard Webhooks: `{type, timestamp, data}`, headers `webhook-id` (the event's id,
the receiver's idempotency key), `webhook-timestamp` and `webhook-signature` (one signature per live secret,
made with the standardwebhooks library). Each attempt is recorded on the delivery; its outcome decides the next
(webhooks.rules) and what the subscription learns of its endpoint (failing since, disabled and why).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from flare import clock
from flare.clock import iso
from flare.events.catalogue import Event, resource_of
from flare.events.outbound import DONE, Attempt, Outcome
from flare.messaging.queue import Outbound
from flare.observability import logger
from flare.webhooks import rules, sending
from flare.webhooks.models import DeliveryAttempt, Webhook
from flare.webhooks.port import webhooks
from flare.webhooks.rules import Answer

USER_AGENT = "Flare-Webhooks/1"


def delivery_id(event_id: str, webhook_id: str) -> str:
    """dlv_<ULID>: the event's time (deliveries list newest event first) and 80 bits of (event, subscription)."""
    from ulid import ULID

    event_time = ULID.from_str(event_id.removeprefix("evt_")).bytes[:6]
    return "dlv_" + str(ULID.from_bytes(event_time + hashlib.sha256(f"{event_id}/{webhook_id}".encode()).digest()[:10]))


def payload_of(event: Event) -> str:
    body = {"type": event.type, "timestamp": iso(event.occurred_at), "data": event.data}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def deliveries_for(org_id: str, events: list[Event]) -> list[Outbound]:
    """One delivery per event and enabled subscription that takes its type; a subscription's deliveries about one
    resource form one group, so they arrive in the order the changes were made."""
    subscribed = [webhook for webhook in webhooks().webhooks_of(org_id) if webhook.enabled]
    deliveries = []
    for event in events:
        for webhook in subscribed:
            if rules.wants(webhook.event_types, event.type):
                made = delivery_id(event.id, webhook.id)
                body = {
                    "org_id": org_id,
                    "webhook_id": webhook.id,
                    "delivery_id": made,
                    "event": event.model_dump(mode="json"),
                }
                deliveries.append(Outbound("webhook", made, f"{webhook.id}:{resource_of(event)}", body))
    return deliveries


def signed_headers(webhook: Webhook, message_id: str, payload: str, at: datetime) -> dict[str, str]:
    from standardwebhooks.webhooks import Webhook as Signer

    live = [s.secret for s in webhook.secrets if s.expires_at is None or s.expires_at > at]
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(Signer(secret).sign(message_id, at, payload) for secret in live),
    }


def deliver(attempt: Attempt) -> Outcome:
    body = attempt.body
    org_id, made, manual = body["org_id"], body["delivery_id"], bool(body.get("manual"))
    webhook, delivery = webhooks().webhook_and_delivery(org_id, body["webhook_id"], made)
    if webhook is None:
        return DONE  # deleted, and its deliveries with it
    if manual and delivery is None:
        return DONE  # a redelivery of a delivery that has gone since (its subscription was deleted and made again)
    if delivery is not None and delivery.status != "pending" and not manual:
        return DONE  # handed out again after it was done with: never sent twice
    event = body.get("event") or {"id": delivery.event_id, "type": delivery.event_type}
    payload = delivery.payload if delivery is not None and delivery.payload else payload_of(Event.model_validate(event))
    record = _Recorder(webhook, made, event, payload, manual, clock.now())
    if not webhook.enabled:
        record(Answer(None, f"not sent: {_disabled(webhook)}"), 0, delivery.status if manual else "cancelled", None)
        return DONE
    try:
        sent = sending.post(webhook.url, payload.encode(), signed_headers(webhook, event["id"], payload, record.at))
        answer, latency = sent.answer, sent.latency_ms
    except sending.Refused as refused:
        # Not sent: a name that no longer resolves may again (retried); an address webhooks may not reach is failed.
        answer, latency = Answer(None, f"not sent: {refused}", refused=not refused.transient), 0
    verdict = rules.verdict(answer)
    if manual:  # one more try by hand, never retried: a failure leaves the delivery as it was (its schedule goes on)
        retry_in = None
        status = "delivered" if verdict == "delivered" else delivery.status
        next_at = delivery.next_attempt_at if status == "pending" else None
    else:
        automatic = sum(1 for a in (delivery.attempts if delivery else []) if a.trigger == "automatic")
        retry_in = rules.next_retry_in(automatic + 1, answer)
        status = "delivered" if verdict == "delivered" else "pending" if retry_in is not None else "failed"
        next_at = record.at + timedelta(seconds=retry_in) if retry_in is not None else None
    record(answer, latency, status, next_at)
    _learn(webhook, verdict, answer, record.at)
    logger.info(
        "webhook delivery attempt",
        extra={
            "webhook": webhook.id,
            "delivery": made,
            "status": answer.status,
            "verdict": verdict,
            "retry_in": retry_in,
        },
    )
    return Outcome(retry_in)


def _disabled(webhook: Webhook) -> str:
    return "the webhook is disabled" + (f" ({webhook.disabled_reason})" if webhook.disabled_reason else "")


@dataclass(frozen=True)
class _Recorder:
    """Records one attempt of a delivery: what was sent, by whom (the schedule or a person), and when."""

    webhook: Webhook
    delivery_id: str
    event: dict
    payload: str
    manual: bool
    at: datetime

    def __call__(self, answer: Answer, latency_ms: int, status: str, next_attempt_at: datetime | None) -> None:
        webhooks().record_attempt(
            self.webhook.org_id,
            self.webhook.id,
            self.delivery_id,
            event=self.event,
            payload=self.payload,
            attempt=DeliveryAttempt(
                at=self.at,
                trigger="manual" if self.manual else "automatic",
                response_status=answer.status,
                latency_ms=latency_ms,
                error=answer.error,
            ),
            status=status,
            next_attempt_at=next_attempt_at,
        )


def _learn(webhook: Webhook, verdict: str, answer: Answer, now: datetime) -> None:
    """What an attempt says of the endpoint: healthy again; gone (410: disabled); or failing, since when, and
    disabled once it has failed every delivery for DISABLE_AFTER."""
    update: dict | None = None
    if verdict == "delivered":
        if webhook.failing_since is not None:
            update = {"failing_since": None}
    elif verdict == "gone":
        update = {"enabled": False, "disabled_reason": f"the endpoint answered 410 Gone on {iso(now)}"}
    else:
        since = webhook.failing_since or now
        if rules.should_disable(since, now):
            last = f"HTTP {answer.status}" if answer.status else answer.error
            update = {"enabled": False, "disabled_reason": f"every delivery failed since {iso(since)} (last: {last})"}
        elif webhook.failing_since is None:
            update = {"failing_since": now}
    if update:
        after = webhook.model_copy(update=update | {"version": webhook.version + 1, "updated_at": now})
        if not webhooks().update_health(webhook, after):
            logger.info(
                "webhook changed while a delivery judged it; the next delivery judges again",
                extra={"webhook": webhook.id},
            )
