"""Webhook deliveries, decided: when to try again, what a receiver's answer means, which addresses may be reached,
and when a failing endpoint is disabled. Pure: no clock, no network."""

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal

# Seconds between a failed attempt and the next: Standard Webhooks' reference schedule (Svix's), 8 attempts over
# about 27 hours: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h later.
RETRY_SCHEDULE = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
# The longest a receiver's Retry-After is honoured: the outbound queue holds a delivery at most this long
# (messaging.queue.MAX_DELAY_SECONDS: SQS's 12 hours a hand-out, less the attempt's own time).
MAX_RETRY_AFTER_SECONDS = 12 * 3600 - 5 * 60
# An endpoint that has failed every delivery for this long is disabled, saying why.
DISABLE_AFTER = timedelta(days=5)
TIMEOUT_SECONDS = 15

Verdict = Literal["delivered", "retry", "gone", "failed"]


@dataclass(frozen=True)
class Answer:
    """What one attempt got: the receiver's status (None when there was no answer), why there was none, and its
    Retry-After. `refused`: nothing was sent, and retrying cannot change that (an address webhooks may not reach)."""

    status: int | None
    error: str | None = None
    retry_after: float | None = None
    refused: bool = False


def verdict(answer: Answer) -> Verdict:
    """2xx delivered; 410 Gone: the endpoint wants no more (disable it); no answer (network error, timeout), 429
    and 5xx: try again; anything else (3xx: redirects are not followed, other 4xx): failed for good."""
    status = answer.status
    if answer.refused:
        return "failed"
    if status is None or status == 429 or status >= 500:
        return "retry"
    if 200 <= status < 300:
        return "delivered"
    return "gone" if status == 410 else "failed"


def next_retry_in(attempts_made: int, answer: Answer) -> float | None:
    """Seconds until the next attempt after `attempts_made` attempts, the last of which got `answer`; None when
    the delivery is done with (delivered, gone, failed, or out of attempts)."""
    if verdict(answer) != "retry" or attempts_made >= MAX_ATTEMPTS:
        return None
    scheduled = RETRY_SCHEDULE[attempts_made - 1]
    if answer.retry_after is not None:
        return min(max(scheduled, answer.retry_after), MAX_RETRY_AFTER_SECONDS)
    return scheduled


def retry_after_seconds(header: str | None, now: datetime) -> float | None:
    """A Retry-After header (delta-seconds or an HTTP-date) in seconds from `now`; None when absent or unreadable."""
    if not header:
        return None
    text = header.strip()
    if text.isdigit():
        return float(text)
    try:
        at = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        return None
    return max(0.0, (at - now).total_seconds())


def address_allowed(address: str, *, allow_loopback: bool) -> bool:
    """Whether a webhook may connect to `address`: public unicast only (never loopback, private, link-local, the
    cloud metadata addresses, shared, reserved or multicast ranges); loopback too where the local stack allows it."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return allow_loopback
    return ip.is_global and not ip.is_multicast


def should_disable(failing_since: datetime | None, now: datetime) -> bool:
    return failing_since is not None and now - failing_since >= DISABLE_AFTER


def wants(event_types: list[str], event_type: str) -> bool:
    return "*" in event_types or event_type in event_types
