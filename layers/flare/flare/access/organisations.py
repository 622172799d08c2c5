"""Organisations (tenants) and their API keys."""

from dataclasses import dataclass

from flare import clock, cursor
from flare.access import auth
from flare.access.auth import Caller
from flare.access.models import ApiKey, ApiKeyList, ApiKeyOut, CreateApiKeyRequest, NewApiKeyOut, Organisation
from flare.access.port import storage
from flare.errors import NotFound
from flare.ids import is_id, new_id

# The first key of an organisation can do everything.
BOOTSTRAP_SCOPES = ["admin", "write:incidents", "write:maintenances", "read:incidents"]


@dataclass(frozen=True)
class CreatedOrganisation:
    organisation_id: str
    name: str
    api_key: str


def create_organisation(name: str, *, api_key: str | None = None) -> CreatedOrganisation:
    """A new organisation with its first (all-scopes) API key; `api_key` pins the key's value (dev stacks)."""
    if api_key:
        key_id, secret = auth.split_key(api_key)
        full_key = api_key
    else:
        key_id, secret, full_key = auth.new_key()
    now = clock.now()
    org = Organisation(id=new_id("org", now), name=name, created_at=now)
    key = ApiKey(
        id=key_id,
        org_id=org.id,
        name=f"{name} bootstrap admin key",
        scopes=BOOTSTRAP_SCOPES,
        secret_hash=auth.hash_secret(secret),
        created_at=now,
    )
    storage().create_organisation(org, key)
    return CreatedOrganisation(organisation_id=org.id, name=name, api_key=full_key)


def _out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut.model_validate(key.model_dump(include=set(ApiKeyOut.model_fields)))


def create_api_key(caller: Caller, request: CreateApiKeyRequest) -> NewApiKeyOut:
    key_id, secret, full_key = auth.new_key()
    key = ApiKey(
        id=key_id,
        org_id=caller.org_id,
        name=request.name,
        scopes=request.scopes,
        rate_limit_per_minute=request.rate_limit_per_minute,
        secret_hash=auth.hash_secret(secret),
        created_at=clock.now(),
        created_by=caller.key_id,
    )
    storage().put_api_key(key)
    return NewApiKeyOut(**_out(key).model_dump(), key=full_key)


def list_api_keys(caller: Caller, *, limit: int, after: str | None) -> ApiKeyList:
    items, next_cursor = cursor.paged(
        cursor.fingerprint(org=caller.org_id, list="api_keys"),
        after,
        lambda start: storage().list_api_keys(caller.org_id, limit=limit, start=start),
    )
    return ApiKeyList(api_keys=[_out(key) for key in items], next_cursor=next_cursor)


def revoke_api_key(caller: Caller, key_id: str) -> None:
    """Revoke a key of the caller's organisation (idempotent); another organisation's key is not found."""
    if not is_id(key_id, "key") or storage().revoke_api_key(caller.org_id, key_id, clock.now()) is None:
        raise NotFound(f"no API key {key_id}")
