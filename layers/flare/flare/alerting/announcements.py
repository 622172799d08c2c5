"""The Slack channel of the outbound queue (events.outbound, kind "slack"): incidents announced in Slack channels
and followed up in their threads. What posts and what it says is decided in announcements_rules.

- `deliveries_for`: one delivery per (post, integration, channel), for the organisation's Slack integrations that
  announce (one Query). Its FIFO group is the integration's channel (`slack:<integration>:<channel>`), so a
  channel's posts go out in order, one at a time; its id is derived from the event, the integration and the
  channel, so a stream batch published twice queues each post once.
- `deliver`: one post with slack_sdk, the Slack client library. With a bot token, `WebClient.chat_postMessage`
  (Slack's Web API, `SLACK_API_URL`); a follow-up replies in the thread of the incident's announcement in that
  channel (its `ts` is kept per incident, integration and channel: store.slack_threads), and a follow-up whose
  announcement was never posted (the integration came later, or the announcement failed) is posted as a new
  message, which becomes the thread. With an incoming webhook, `WebhookClient.send`: every post is a new message in
  the webhook's channel, naming the incident's reference.
- Slack's rate limit, about one message per second per channel: after a post, the delivery keeps its group in
  flight until a second has passed (PACE_SECONDS), so the channel's next post cannot leave sooner, whichever
  deliverer instance takes it. A 429 (or `ratelimited`) holds the post, and its channel, for Slack's Retry-After;
  a network fault or a Slack outage for RETRY_SECONDS. Any other refusal (channel_not_found, not_in_channel,
  invalid_auth, token_revoked…) is logged and the post dropped: retrying cannot fix a setting.
"""

import hashlib
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flare import clock, settings
from flare.alerting import announcements_rules as rules
from flare.alerting.integrations import announces_with
from flare.alerting.models import Integration, SlackThread
from flare.alerting.port import integrations, threads
from flare.events.catalogue import Event
from flare.events.outbound import DONE, Attempt, Outcome
from flare.messaging.queue import Outbound
from flare.observability import logger
from flare.status_pages import use_cases as status_pages
from flare.webhooks.rules import retry_after_seconds

KIND = "slack"
PACE_SECONDS = 1.0  # Slack: about one message per second per channel
TIMEOUT_SECONDS = 10
THREAD_RETENTION = timedelta(days=90)  # after the last post in a channel; later follow-ups start a new thread
RETRY_SECONDS = 30  # after a network fault or a Slack outage
DEFAULT_RETRY_AFTER = 30  # a 429 without Retry-After
MAX_RETRY_AFTER = 15 * 60
# Hand-outs after which a post is given up (the queue's redrive would take it at 20): a post hours late is noise.
MAX_HAND_OUTS = 15
TRANSIENT_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})


def delivery_id(event_id: str, integration_id: str, channel: str) -> str:
    """slk_<sha256 of (event, integration, channel)>: the same post to the same place is the same delivery."""
    return "slk_" + hashlib.sha256(f"{event_id}/{integration_id}/{channel}".encode()).hexdigest()


def group_of(integration_id: str, channel: str) -> str:
    return f"slack:{integration_id}:{channel}"


def channels_of(integration: Integration, post: rules.Post) -> list[str]:
    if announces_with(integration) == "incoming_webhook":
        return [rules.WEBHOOK_CHANNEL]
    return rules.channels_for(post.service_ids, integration.default_channel, integration.service_channels)


def deliveries_for(org_id: str, events: list[Event]) -> list[Outbound]:
    """Each post the events call for, to each channel of each integration that announces, in event order."""
    posts = rules.posts_for(events)
    if not posts:
        return []
    announcing = integrations().announcing_integrations(org_id)
    if not announcing:
        return []
    if any(post.announcement for post in posts) and (links := _links(org_id, events)):
        posts = rules.posts_for(events, links)
    deliveries = []
    for post in posts:
        for integration in announcing:
            for channel in channels_of(integration, post):
                made = delivery_id(post.event_id, integration.id, channel)
                body = {
                    "org_id": org_id,
                    "integration_id": integration.id,
                    "channel": channel,
                    "incident_id": post.incident_id,
                    "reference": post.reference,
                    "announcement": post.announcement,
                    "delivery_id": made,
                    "text": post.text,
                    "blocks": post.blocks,
                }
                deliveries.append(Outbound(KIND, made, group_of(integration.id, channel), body))
    return deliveries


def _links(org_id: str, events: list[Event]) -> dict[str, str]:
    """Incident id → its page on the organisation's status page that shows it, for the incidents announced now
    (one read of the organisation's pages); none without the deployment's public URL (PUBLIC_BASE_URL)."""
    base = settings.settings().public_base_url
    announced = [event.data["incident"] for event in events if event.type == "incident.published"]
    if base is None or not announced:
        return {}
    slugs = status_pages.slugs_showing(org_id, announced)
    return {incident: f"{base.rstrip('/')}/status/{slug}/incidents/{incident}" for incident, slug in slugs.items()}


# ---- one post --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sent:
    """What came of a post: posted (its ts and channel id, with a bot token), or wait and try again, or give up."""

    ts: str | None = None
    channel_id: str | None = None
    retry_in: float | None = None
    failure: str | None = None


def deliver(attempt: Attempt) -> Outcome:
    body = attempt.body
    org_id, integration_id, channel = body["org_id"], body["integration_id"], body["channel"]
    incident_id, made = body["incident_id"], body["delivery_id"]
    integration, thread = threads().integration_and_thread(org_id, integration_id, incident_id, channel)
    how = announces_with(integration) if integration is not None else None
    if how is None or (how == "incoming_webhook") != (channel == rules.WEBHOOK_CHANNEL):
        return DONE  # deleted, or it no longer announces (or no longer this way) since the post was queued
    if thread is not None and (made in thread.posted or body["announcement"]):
        return DONE  # posted already: the queue handed it out again
    if attempt.received > MAX_HAND_OUTS:
        logger.error("slack post given up", extra=_about(body) | {"hand_outs": attempt.received})
        return DONE
    if how == "bot_token":
        sent = _post_with_token(integration, channel, thread, body)
    else:
        sent = _post_with_webhook(integration, body)
    if sent.retry_in is not None:
        logger.info("slack post held back", extra=_about(body) | {"retry_in": sent.retry_in, "why": sent.failure})
        return Outcome(retry_in=sent.retry_in)
    if sent.failure is not None:
        logger.warning("slack post refused and dropped", extra=_about(body) | {"why": sent.failure})
        return DONE
    answered = time.monotonic()
    threads().record_post(
        org_id,
        incident_id,
        integration_id,
        channel,
        delivery_id=made,
        ts=sent.ts,
        channel_id=sent.channel_id,
        expires_at=clock.now() + THREAD_RETENTION,
    )
    logger.info("slack post made", extra=_about(body) | {"threaded": bool(thread and thread.ts)})
    # The channel's next post waits behind this one (same group) until a second has passed.
    time.sleep(max(0.0, PACE_SECONDS - (time.monotonic() - answered)))
    return DONE


def _about(body: dict[str, Any]) -> dict[str, Any]:
    """What a log line says of a post (never its text, its token or its URL)."""
    return {key: body[key] for key in ("integration_id", "channel", "reference", "announcement", "delivery_id")}


# slack_sdk is imported by the deliverer when it first posts, never by the publisher (it only queues posts).


def _post_with_token(integration: Integration, channel: str, thread: SlackThread | None, body: dict) -> _Sent:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token=integration.bot_token, base_url=settings.settings().slack_api_url, timeout=TIMEOUT_SECONDS)
    arguments: dict[str, Any] = {
        "channel": thread.channel_id if thread and thread.channel_id else channel,
        "text": body["text"],
        "blocks": body["blocks"],
        "unfurl_links": False,
        "unfurl_media": False,
    }
    if thread is not None and thread.ts and not body["announcement"]:
        arguments["thread_ts"] = thread.ts
    try:
        answer = client.chat_postMessage(**arguments)
    except SlackApiError as error:
        response = error.response
        data = response.data if isinstance(response.data, dict) else {}
        return _judged(response.status_code, data.get("error"), response.headers)
    except OSError as error:  # no answer: refused, reset, timed out (urllib's URLError is an OSError)
        return _Sent(retry_in=RETRY_SECONDS, failure=f"{type(error).__name__}: {error}")
    return _Sent(ts=answer.get("ts"), channel_id=answer.get("channel"))


def _post_with_webhook(integration: Integration, body: dict) -> _Sent:
    from slack_sdk.webhook import WebhookClient

    client = WebhookClient(integration.incoming_webhook_url, timeout=TIMEOUT_SECONDS)
    try:
        answer = client.send(text=body["text"], blocks=body["blocks"], unfurl_links=False, unfurl_media=False)
    except OSError as error:
        return _Sent(retry_in=RETRY_SECONDS, failure=f"{type(error).__name__}: {error}")
    if answer.status_code == 200:
        return _Sent()
    return _judged(answer.status_code, (answer.body or "").strip()[:100], answer.headers)


def _judged(status: int, error: str | None, headers: dict[str, Any] | None) -> _Sent:
    """Slack's refusal: wait for its Retry-After (429), a while (its outage), or give up (anything else)."""
    why = f"HTTP {status}" + (f": {error}" if error else "")
    if status == 429 or error == "ratelimited":
        return _Sent(retry_in=retry_after(headers), failure=why)
    if status >= 500 or error in TRANSIENT_ERRORS:
        return _Sent(retry_in=RETRY_SECONDS, failure=why)
    return _Sent(failure=why)


def retry_after(headers: dict[str, Any] | None) -> float:
    """Slack's Retry-After, read as webhooks read a receiver's, within 1 s and MAX_RETRY_AFTER;
    DEFAULT_RETRY_AFTER when it says none."""
    found = next((value for name, value in (headers or {}).items() if name.lower() == "retry-after"), None)
    if isinstance(found, list):  # a header as a list of values, as slack_sdk hands them to its retry handlers
        found = found[0] if found else None
    seconds = retry_after_seconds(found, clock.now())
    return min(max(DEFAULT_RETRY_AFTER if seconds is None else seconds, 1.0), MAX_RETRY_AFTER)
