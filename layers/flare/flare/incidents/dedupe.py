"""Dedupe: what a repeat of a known alert does to the incident that its dedupe key points at.

One mechanism for every source (native API, from-metric, alert receivers). A dedupe key (source, external_id)
is held by one incident through a claim. While that incident is unresolved, a repeat is absorbed (counted,
no new incident, no message) — unless the incident only absorbs repeats for a window (from-metric: 30
minutes from its first call). After it resolves, the claim survives for the cooldown: a repeat within it
reopens the incident (flapping); after it, a repeat opens a new incident.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Outcome = Literal["created", "absorbed", "reopened"]


@dataclass(frozen=True)
class DedupePolicy:
    """How long a dedupe key keeps pointing at its incident."""

    # Repeats are absorbed only this long after the incident opened (None: for as long as it is unresolved).
    window: timedelta | None = None
    # After the incident resolves, repeats reopen it for this long (0: the next repeat opens a new incident).
    cooldown: timedelta = timedelta(0)

    def window_until(self, opened_at: datetime) -> datetime | None:
        return opened_at + self.window if self.window is not None else None


def dedupe_key_text(source: str | None, external_id: str) -> str:
    """The one text that a dedupe key (source, external_id) is stored under (hashed): distinct for distinct
    keys. Joined by NUL as it always was, except where a part itself holds a NUL ("a\0b" + "c" would meet
    "a" + "b\0c"): such a pair is written as JSON after two NULs, which no NUL-free pair's text (exactly one
    NUL) can be, so every claim made before keeps its key."""
    source = source or ""
    if "\0" in source or "\0" in external_id:
        return "\0\0" + json.dumps([source, external_id])
    return f"{source}\0{external_id}"


NATIVE = DedupePolicy()
FROM_METRIC = DedupePolicy(window=timedelta(minutes=30))
DEFAULT_ALERT_COOLDOWN = timedelta(minutes=30)


def on_repeat(
    *, resolved_at: datetime | None, window_until: datetime | None, cooldown: timedelta, now: datetime
) -> Literal["absorb", "reopen", "new"]:
    """What a repeat arriving at `now` does to the incident that holds its key."""
    if resolved_at is None:
        return "absorb" if window_until is None or now < window_until else "new"
    return "reopen" if now < resolved_at + cooldown else "new"


def claim_lapses_at(
    *, resolved_at: datetime | None, window_until: datetime | None, cooldown: timedelta
) -> datetime | None:
    """When the incident's claim on its key stops holding (None: never, while it stays as it is).
    A resolved incident without cooldown holds no claim: its lapse is its resolution."""
    if resolved_at is None:
        return window_until
    return resolved_at + cooldown
