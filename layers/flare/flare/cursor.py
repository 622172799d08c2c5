"""Opaque list cursors: tamper-evident (HMAC) and bound to the query that produced them."""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from flare import settings
from flare.errors import BadRequest

_secret_value: bytes | None = None


def load_secret() -> None:
    """Read the signing secret, once per process: every function that pages calls this at cold start
    (`http.lambda_handler(..., paginates=True)`), so one without its secret fails to start instead of answering.

    Deployed, CURSOR_SECRET_ARN names the Secrets Manager secret (template.yaml) and the value is fetched with
    Powertools Parameters; it never sits in the function's configuration (the local stack and sam local use
    moto's Secrets Manager the same way). Tools that load handlers without any AWS (the OpenAPI build) may give
    a value as CURSOR_SECRET, which the template never declares. There is no default."""
    global _secret_value
    configured = settings.settings()
    arn = configured.cursor_secret_arn
    if arn:
        import boto3
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        secrets = boto3.client("secretsmanager", endpoint_url=configured.aws_endpoint_url)
        value = SecretsProvider(boto3_client=secrets).get(arn)
    else:
        value = configured.cursor_secret
    if not value:
        raise RuntimeError("no cursor secret: set CURSOR_SECRET_ARN (a Secrets Manager secret) or CURSOR_SECRET")
    _secret_value = value.encode() if isinstance(value, str) else bytes(value)


def _secret() -> bytes:
    if _secret_value is None:
        load_secret()
    return _secret_value


def fingerprint(**query: object) -> str:
    """A digest of everything that defines a list query (organisation, route, filters)."""
    canonical = json.dumps(query, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def encode(position: dict[str, str], query: str) -> str:
    payload = base64.urlsafe_b64encode(json.dumps({"p": position, "q": query}).encode()).rstrip(b"=")
    signature = base64.urlsafe_b64encode(hmac.digest(_secret(), payload, "sha256")[:18])
    return f"{payload.decode()}.{signature.decode()}"


def decode(cursor: str, query: str) -> dict[str, str]:
    """The position stored in `cursor`; 400 when it was altered or belongs to another query."""
    invalid = BadRequest("cursor is invalid: pass next_cursor back unchanged, with the same filters")
    payload, _, signature = cursor.partition(".")
    expected = base64.urlsafe_b64encode(hmac.digest(_secret(), payload.encode(), "sha256")[:18]).decode()
    # Bytes, not str: compare_digest raises TypeError on non-ASCII str (a tampered cursor is a 400, not a 500).
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise invalid
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        raise invalid from None
    if data.get("q") != query or not isinstance(data.get("p"), dict):
        raise invalid
    return data["p"]


def paged(query: str, after: str | None, fetch: Callable[[dict[str, str] | None], Any]) -> tuple[list, str | None]:
    """Run `fetch` (a store read returning a Page) from the position in `after`; return its items and the
    cursor to the next page (None at the end)."""
    page = fetch(decode(after, query) if after else None)
    return page.items, encode(page.next_position, query) if page.next_position else None
