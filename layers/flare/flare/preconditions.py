"""If-Match: a write conditional on the version the client last saw (ETag = the version, quoted)."""

from pydantic import BaseModel

from flare import clock
from flare.errors import PreconditionFailed


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(if_match: str | None, version: int) -> None:
    """412 unless `if_match` (if given) names the current version; accepts `*`, `"3"`, `W/"3"` and `3`."""
    if if_match is None:
        return
    candidates = [tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")]
    if "*" in candidates or str(version) in candidates:
        return
    raise PreconditionFailed(f"If-Match {if_match} is stale: the current version is {etag(version)}")


def patched[T: BaseModel](before: T, request: BaseModel, if_match: str | None) -> T | None:
    """`before` with a PATCH body's fields applied, as its next version (412 if If-Match is stale); None when the
    body changes nothing."""
    check_if_match(if_match, before.version)
    changes = request.model_dump(exclude_unset=True)
    if all(getattr(before, field) == value for field, value in changes.items()):
        return None
    return before.model_copy(update=changes | {"version": before.version + 1, "updated_at": clock.now()})
