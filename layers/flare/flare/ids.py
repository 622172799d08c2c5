"""Prefixed ULID identifiers: they sort by creation time and say what they are (`inc_01J...`)."""

import re
from collections.abc import Callable
from datetime import datetime

from ulid import ULID

from flare.errors import NotFound

PREFIXES = ("org", "key", "inc", "msg", "svc", "mnt", "met", "int", "spg", "whk", "dlv", "evt")
_ULID_PATTERN = "[0-9A-HJKMNP-TV-Z]{26}"
_ID_PATTERN = re.compile(rf"^({'|'.join(PREFIXES)})_({_ULID_PATTERN})$")


def new_id(prefix: str, at: datetime | None = None) -> str:
    ulid = ULID.from_datetime(at) if at else ULID()
    return f"{prefix}_{ulid}"


def is_id(value: str, prefix: str) -> bool:
    """True when `value` is a well-formed id of the given kind (malformed ids answer 404, not 500)."""
    match = _ID_PATTERN.match(value or "")
    return bool(match) and match.group(1) == prefix


def ulid_bound(at: datetime, *, upper: bool) -> str:
    """The smallest (or largest) ULID string of the millisecond `at`, to turn time ranges into key ranges."""
    # ULIDs count milliseconds from 1970 in 48 bits: earlier or later instants bound at the ends of that range.
    millis = min(max(int(at.timestamp() * 1000), 0), 2**48 - 1)
    randomness = b"\xff" * 10 if upper else b"\x00" * 10
    return str(ULID.from_bytes(millis.to_bytes(6, "big") + randomness))


def find_by_id[T](given: str, prefix: str, read: Callable[[str], T | None], noun: str) -> T:
    """What `read` finds under `given`, an id of the kind `prefix`; NotFound ("no <noun> <id>") when it finds
    nothing, or when `given` is no such id (a malformed id is never looked up)."""
    result = read(given) if is_id(given, prefix) else None
    if result is None:
        raise NotFound(f"no {noun} {given}")
    return result
