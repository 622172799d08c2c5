"""Webhook signature checks: HMAC-SHA256 over the raw body, compared in constant time. Pure, no I/O.

Each check returns None when the request is authentic and raises `SignatureError` otherwise; the caller passes
the header values it received (None when absent) and, where a timestamp is signed, the current Unix time. An
empty secret is a ValueError (a configuration fault: anyone could sign with it), never a pass.

- PagerDuty (Webhooks v3): `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]`, several while a secret rotates; any
  one matching passes. The secret is used as its UTF-8 bytes (not base64-decoded).
- Grafana: `X-Grafana-Alerting-Signature` (Grafana's default name) holds the hex HMAC of the body, or of
  `<timestamp>:<body>` when the contact point also sets a timestamp header. Grafana has no default name for
  that one: configure `X-Grafana-Alerting-Timestamp` (GRAFANA_TIMESTAMP_HEADER) to get replay protection.
- Slack: `X-Slack-Signature: v0=<hex HMAC of "v0:<X-Slack-Request-Timestamp>:<body>">`.

A signed timestamp more than MAX_AGE_SECONDS away from now, in either direction, is refused (replays).
"""

import hashlib
import hmac
import re

MAX_AGE_SECONDS = 300

PAGERDUTY_SIGNATURE_HEADER = "X-PagerDuty-Signature"
GRAFANA_SIGNATURE_HEADER = "X-Grafana-Alerting-Signature"
GRAFANA_TIMESTAMP_HEADER = "X-Grafana-Alerting-Timestamp"
SLACK_SIGNATURE_HEADER = "X-Slack-Signature"
SLACK_TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"

_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


class SignatureError(Exception):
    """Why a request's signature was refused; the text is safe to show the client."""


def _hex_hmac(secret: str, message: bytes) -> str:
    if not secret:
        raise ValueError("a signing secret is required")  # an empty key would let anyone sign
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _matches(expected: str, received: str) -> bool:
    # As bytes: compare_digest refuses non-ASCII str, and a header may carry anything.
    return hmac.compare_digest(expected.encode(), received.strip().lower().encode("utf-8", "replace"))


def _check_fresh(timestamp: str, now: float) -> None:
    if not _UNIX_SECONDS.fullmatch(timestamp):
        raise SignatureError("timestamp must be a Unix time in seconds")
    age = now - int(timestamp)
    if age > MAX_AGE_SECONDS:
        raise SignatureError("timestamp is older than 5 minutes")
    if age < -MAX_AGE_SECONDS:
        raise SignatureError("timestamp is more than 5 minutes in the future")


def verify_pagerduty(secret: str, body: bytes, header: str | None) -> None:
    if not header:
        raise SignatureError(f"{PAGERDUTY_SIGNATURE_HEADER} header is missing")
    expected = "v1=" + _hex_hmac(secret, body)
    if not any(_matches(expected, candidate) for candidate in header.split(",")):
        raise SignatureError("signature does not match")


def verify_grafana(secret: str, body: bytes, signature: str | None, timestamp: str | None, now: float) -> None:
    if not signature:
        raise SignatureError(f"{GRAFANA_SIGNATURE_HEADER} header is missing")
    if timestamp is None:
        signed = body
    else:
        _check_fresh(timestamp, now)
        signed = timestamp.encode() + b":" + body
    if not _matches(_hex_hmac(secret, signed), signature):
        raise SignatureError("signature does not match")


def verify_slack(secret: str, body: bytes, signature: str | None, timestamp: str | None, now: float) -> None:
    if not signature:
        raise SignatureError(f"{SLACK_SIGNATURE_HEADER} header is missing")
    if not timestamp:
        raise SignatureError(f"{SLACK_TIMESTAMP_HEADER} header is missing")
    _check_fresh(timestamp, now)
    expected = "v0=" + _hex_hmac(secret, b"v0:" + timestamp.encode() + b":" + body)
    if not _matches(expected, signature):
        raise SignatureError("signature does not match")
