"""Webhook subscriptions and their deliveries: request bodies (strict), stored records and responses."""

import ipaddress
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from flare import settings
from flare.events.types import ALL_TYPES, EVENT_TYPES, EventType
from flare.fields import MAX_URL, Flag, PatchRequest, RequestModel, Timestamp

MAX_WEBHOOK_DESCRIPTION = 500


def _webhook_url(url: str) -> str:
    """https (http too on the local stack), a host, no credentials; an address written in the URL must be one a
    delivery may reach. A name is checked again on every delivery, on the addresses it resolves to then."""
    allow_loopback = settings.settings().outbound_allow_loopback
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_loopback else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError("must be an https URL" + (" (or http, on the local stack)" if allow_loopback else ""))
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry credentials: verify deliveries by their signature instead")
    if any(character.isspace() for character in url):
        raise ValueError("must not contain whitespace")
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        raise ValueError("has an invalid port") from None
    host = parts.hostname
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if (host == "localhost" or host.endswith(".localhost")) and not allow_loopback:
            raise ValueError("must not point at this host (localhost)") from None
        return url
    from flare.webhooks.rules import address_allowed

    if not address_allowed(str(address), allow_loopback=allow_loopback):
        raise ValueError(f"must not point at a private, loopback or link-local address ({address})")
    return url


WebhookUrl = Annotated[
    str, StringConstraints(max_length=MAX_URL), AfterValidator(_webhook_url), Field(json_schema_extra={"format": "uri"})
]
WebhookDescription = Annotated[str, StringConstraints(max_length=MAX_WEBHOOK_DESCRIPTION)]


def _event_types(types: list[str]) -> list[str]:
    if ALL_TYPES in types and len(types) > 1:
        raise ValueError('"*" (every type) stands alone')
    return list(dict.fromkeys(types))


EventTypes = Annotated[
    list[EventType | Literal["*"]],
    Field(min_length=1, max_length=len(EVENT_TYPES) + 1),
    AfterValidator(_event_types),
]


class CreateWebhookRequest(RequestModel):
    url: WebhookUrl = Field(description="Where deliveries are POSTed: https (the local stack also takes http)")
    event_types: EventTypes = Field(
        [ALL_TYPES], description='The event types it receives (docs/events.md), or ["*"] for all, later ones included'
    )
    description: WebhookDescription = ""
    enabled: Flag = True


class UpdateWebhookRequest(PatchRequest):
    url: WebhookUrl | None = None
    event_types: EventTypes | None = None
    description: WebhookDescription | None = None
    enabled: Flag | None = Field(None, description="true re-enables an endpoint Flare disabled (and forgets why)")


class WebhookOut(BaseModel):
    id: str
    url: str
    event_types: list[str]
    description: str
    enabled: bool
    disabled_reason: str | None = Field(None, description="Why Flare disabled it (410 Gone, or failing for days)")
    failing_since: Timestamp | None = Field(None, description="Every delivery has failed since then (null: healthy)")
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class NewWebhookOut(WebhookOut):
    secret: str = Field(description="The signing secret (whsec_…), shown only in this response")


class SigningSecret(BaseModel):
    secret: str
    expires_at: Timestamp | None = None  # a rotated-out secret signs too until then


class Webhook(WebhookOut):
    """The stored subscription: what the API shows, whose it is, and its signing secrets (newest first)."""

    org_id: str
    secrets: list[SigningSecret]
    created_by: str | None = None


class RotatedSecretOut(BaseModel):
    secret: str = Field(description="The new signing secret, shown only in this response")
    previous_secret_expires_at: Timestamp = Field(
        description="Until then deliveries carry a signature with the previous secret too"
    )


class WebhookList(BaseModel):
    webhooks: list[WebhookOut]
    next_cursor: str | None


DeliveryStatus = Literal["pending", "delivered", "failed", "cancelled"]


class DeliveryAttempt(BaseModel):
    at: Timestamp
    trigger: Literal["automatic", "manual"] = Field(description="manual: a redelivery someone asked for")
    response_status: int | None = Field(description="The receiver's HTTP status; null when there was no answer")
    latency_ms: int
    error: str | None = Field(description="Why there was no answer, or why it was not sent")


class DeliveryOut(BaseModel):
    id: str
    webhook_id: str
    event_id: str = Field(description="The webhook-id header: the receiver's idempotency key")
    event_type: str
    status: DeliveryStatus = Field(description="pending: a retry is scheduled (next_attempt_at)")
    attempts: list[DeliveryAttempt] = Field(description="Oldest first")
    next_attempt_at: Timestamp | None = Field(None, description="When the next automatic attempt is due")
    created_at: Timestamp
    updated_at: Timestamp


class Delivery(DeliveryOut):
    org_id: str
    payload: str | None = None  # the body as sent (JSON), for redelivery


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]
    next_cursor: str | None
