"""API keys: their format, hashing, scopes, and resolving a bearer token to the calling organisation.

A key reads `flare_<key id>_<secret>`. Only a SHA-256 of the secret is stored: the secret is 32 random
bytes, so a slow password hash would add latency without adding safety.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from flare.access.port import storage
from flare.errors import Forbidden, Unauthorized
from flare.fields import DEFAULT_RATE_LIMIT_PER_MINUTE, Actor
from flare.ids import is_id, new_id

SCOPES = ("read:incidents", "write:incidents", "write:maintenances", "admin")
# A scope also grants these (each write scope, and admin, can read what it writes).
IMPLIED_SCOPES = {
    "write:incidents": {"read:incidents"},
    "write:maintenances": {"read:incidents"},
    "admin": {"read:incidents"},
}
_KEY_PATTERN = re.compile(r"^flare_(key_[0-9A-HJKMNP-TV-Z]{26})_([0-9a-f]{64})$")


@dataclass(frozen=True)
class Caller:
    """Who is calling: resolved by the authorizer, passed to each function in the request context."""

    org_id: str
    key_id: str
    scopes: frozenset[str]
    rate_limit_per_minute: int = DEFAULT_RATE_LIMIT_PER_MINUTE
    key_name: str | None = None
    # Who acts when it is not the API key itself: the integration whose receiver got a delivery, a Slack user.
    actor: Actor | None = None

    @property
    def who(self) -> Actor:
        """The actor recorded on what this caller files."""
        return self.actor or Actor(type="api_key", id=self.key_id, name=self.key_name)

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise Forbidden(f"this API key lacks the {scope} scope")


def effective_scopes(granted: list[str]) -> frozenset[str]:
    scopes = set(granted)
    for scope in granted:
        scopes |= IMPLIED_SCOPES.get(scope, set())
    return frozenset(scopes)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key() -> tuple[str, str, str]:
    """A fresh (key id, secret, full key)."""
    key_id, secret = new_id("key"), secrets.token_hex(32)
    return key_id, secret, f"flare_{key_id}_{secret}"


def split_key(full_key: str) -> tuple[str, str]:
    """(key id, secret) of a well-formed key; ValueError otherwise."""
    match = _KEY_PATTERN.match(full_key or "")
    if not match or not is_id(match.group(1), "key"):
        raise ValueError("API keys read flare_<key id>_<secret>")
    return match.group(1), match.group(2)


def authenticate(authorization: str | None) -> Caller:
    """The caller behind an `Authorization: Bearer <key>` header; Unauthorized for a missing, malformed,
    unknown or revoked key (one GetItem)."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        raise Unauthorized("expected Authorization: Bearer flare_<key id>_<secret>")
    try:
        key_id, secret = split_key(token.strip())
    except ValueError:
        raise Unauthorized("malformed API key") from None
    key = storage().get_api_key(key_id)
    if key is None or not hmac.compare_digest(key.secret_hash, hash_secret(secret)):
        raise Unauthorized("unknown API key")
    if key.revoked_at is not None:
        raise Unauthorized("revoked API key")
    return Caller(
        org_id=key.org_id,
        key_id=key.id,
        scopes=effective_scopes(key.scopes),
        rate_limit_per_minute=key.rate_limit_per_minute,
        key_name=key.name,
    )
