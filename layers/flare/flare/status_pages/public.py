"""What a public route reads: the snapshot a slug names, in one read (status_pages.snapshot says what is in it)."""

import re

from flare.fields import SLUG_PATTERN
from flare.status_pages.port import status_pages as storage
from flare.status_pages.snapshot import Snapshot

_SLUG = re.compile(SLUG_PATTERN)


def shown(slug: str) -> Snapshot | None:
    """The page's snapshot; None for a slug no page has (or whose snapshot is still being built: a new page
    appears within seconds)."""
    if not _SLUG.fullmatch(slug):
        return None  # no page can have it: not worth a read
    stored = storage().snapshot_of(slug)
    return stored.snapshot if stored else None
