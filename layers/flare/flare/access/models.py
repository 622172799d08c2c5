"""Organisations and API keys: request bodies (strict), stored records and responses."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from flare.fields import (
    DEFAULT_RATE_LIMIT_PER_MINUTE,
    MAX_RATE_LIMIT_PER_MINUTE,
    Count,
    Name,
    RequestModel,
    Scope,
    Timestamp,
    unique,
)


class CreateApiKeyRequest(RequestModel):
    name: Name
    scopes: Annotated[list[Scope], Field(min_length=1), AfterValidator(unique)]
    rate_limit_per_minute: Count = Field(
        DEFAULT_RATE_LIMIT_PER_MINUTE, ge=1, le=MAX_RATE_LIMIT_PER_MINUTE, description="Requests per minute"
    )


class ApiKey(BaseModel):
    id: str
    org_id: str
    name: str
    scopes: list[Scope]
    secret_hash: str
    rate_limit_per_minute: int = DEFAULT_RATE_LIMIT_PER_MINUTE
    created_at: Timestamp
    revoked_at: Timestamp | None = None
    created_by: str | None = None


class Organisation(BaseModel):
    id: str
    name: str
    created_at: Timestamp


class ApiKeyOut(BaseModel):
    id: str
    name: str
    scopes: list[Scope]
    rate_limit_per_minute: int
    created_at: Timestamp
    revoked_at: Timestamp | None


class NewApiKeyOut(ApiKeyOut):
    key: str = Field(description="The full key, shown only in this response: store it now")


class ApiKeyList(BaseModel):
    api_keys: list[ApiKeyOut]
    next_cursor: str | None
