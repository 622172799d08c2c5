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
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from flare.incidents.models import Incident

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


# ---- the claim: which incident a dedupe key points at ---------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A dedupe key's claim: the incident holding it, whether that incident is resolved (and within its
    cooldown), and when the claim lapses (None: it holds while the incident stays unresolved)."""

    incident_id: str
    resolved: bool = False
    lapses_at: datetime | None = None


def claim_of(incident: "Incident") -> Claim | None:
    """The claim that `incident` should hold on its (source, external_id), or None for none (no external_id,
    or resolved without cooldown)."""
    if not incident.external_id:
        return None
    resolved_at = incident.resolved_at if incident.status == "resolved" else None
    lapses_at = claim_lapses_at(
        resolved_at=resolved_at,
        window_until=incident.dedupe_window_until,
        cooldown=timedelta(seconds=incident.reopen_cooldown_seconds),
    )
    if resolved_at is not None and lapses_at <= resolved_at:
        return None
    return Claim(incident.id, resolved=resolved_at is not None, lapses_at=lapses_at)


@dataclass(frozen=True)
class ClaimChange:
    """How a change to an incident moves its claim: write `claim` (None: delete the claim) on condition that it
    still names this incident, or, when `or_free`, also when nobody holds it or its holder's claim lapsed."""

    claim: Claim | None
    or_free: bool = False


def claim_change(before: "Incident", after: "Incident") -> tuple[ClaimChange | None, bool]:
    """The claim change from `before` to `after`, and whether `after` then holds its claim. Resolving keeps the
    claim through the cooldown (or lets it go); reopening takes it back unless another incident holds it now.
    Never another incident's claim: the conditions say so."""
    was_resolved, is_resolved = before.status == "resolved", after.status == "resolved"
    wanted = claim_of(after)
    if before.dedupe_claimed and is_resolved and not was_resolved:
        return ClaimChange(wanted), wanted is not None
    if wanted and was_resolved and not is_resolved:
        return ClaimChange(wanted, or_free=True), True
    return None, before.dedupe_claimed
