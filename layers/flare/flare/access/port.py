"""What organisations, API keys and rate limits need from storage. flare.store.access provides it in a
function."""

from datetime import datetime
from typing import Protocol

from flare.access.models import ApiKey, Organisation
from flare.ports import Port
from flare.store import access as dynamodb
from flare.store.queries import Page


class AccessStorage(Protocol):
    def create_organisation(self, org: Organisation, first_key: ApiKey) -> None: ...

    def put_api_key(self, api_key: ApiKey) -> None: ...

    def get_api_key(self, key_id: str) -> ApiKey | None: ...

    def list_api_keys(self, org_id: str, *, limit: int, start: dict[str, str] | None) -> Page:
        """A newest-first page of the organisation's ApiKeys."""

    def revoke_api_key(self, org_id: str, key_id: str, at: datetime) -> ApiKey | None:
        """Mark the key revoked (the first revocation time kept); None when the organisation has no such key."""

    def count_request(self, key_id: str, window: int, limit: int, *, expires_at: int) -> int | None:
        """Add one to the key's count for `window` unless it reached `limit`: the new count, or None."""


storage: Port[AccessStorage] = Port(dynamodb)
