"""If-Match: a write conditional on the version the client last saw (ETag = the version, quoted)."""

import re

from pydantic import BaseModel

from flare import clock
from flare.errors import BadRequest, PreconditionFailed


def etag(version: int) -> str:
    return f'"{version}"'


# RFC 9110 If-Match: `*` or a list of entity tags ("3", W/"3"); a bare version number (3) is accepted too.
_ENTITY_TAG = r'(?:W/)?"[\x21\x23-\x7e]*"|[0-9]+'
IF_MATCH_PATTERN = rf"^\s*(?:\*|(?:{_ENTITY_TAG})(?:\s*,\s*(?:{_ENTITY_TAG}))*)\s*$"
_IF_MATCH = re.compile(IF_MATCH_PATTERN)


def check_if_match(if_match: str | None, version: int) -> None:
    """412 unless `if_match` (if given) names the current version; accepts `*`, `"3"`, `W/"3"`, `3` and lists of
    them. 400 for a value that is not an entity tag at all: it could never match, and saying "stale" would send
    the client to fetch and retry for ever."""
    if if_match is None:
        return
    if not _IF_MATCH.match(if_match):
        raise BadRequest(
            f'If-Match must be * or entity tags such as "{version}" (an ETag Flare sent), not {if_match!r}'
        )
    candidates = [tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")]
    if "*" in candidates or str(version) in candidates:
        return
    raise PreconditionFailed(f"If-Match {if_match} is stale: the current version is {etag(version)}")


def patched[T: BaseModel](before: T, request: BaseModel, if_match: str | None) -> T | None:
    """`before` with a PATCH body's fields applied, as its next version (412 if If-Match is stale); None when the
    body changes nothing."""
    check_if_match(if_match, before.version)
    changes = request.model_dump(exclude_unset=True)
    current = before.model_dump()
    if all(current[field] == value for field, value in changes.items()):
        return None
    # Validated again, so that nested values (a status page's components) are models, not the body's dicts.
    return type(before).model_validate(current | changes | {"version": before.version + 1, "updated_at": clock.now()})
