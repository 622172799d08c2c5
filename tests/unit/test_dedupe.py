"""What a repeat of a known alert does (rules.dedupe): absorbed, reopened within the cooldown, or new."""

from datetime import UTC, datetime, timedelta

import pytest

from flare.incidents.dedupe import (
    FROM_METRIC,
    NATIVE,
    Claim,
    ClaimChange,
    DedupePolicy,
    claim_change,
    claim_lapses_at,
    claim_of,
    on_repeat,
)

T = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
COOLDOWN = 30 * MINUTE


def test_an_unresolved_incident_absorbs_repeats_for_as_long_as_it_stays_unresolved():
    assert on_repeat(resolved_at=None, window_until=None, cooldown=COOLDOWN, now=T + 1000 * MINUTE) == "absorb"


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (29 * MINUTE, "reopen"),
        (COOLDOWN - timedelta(milliseconds=1), "reopen"),
        (COOLDOWN, "new"),
        (2 * COOLDOWN, "new"),
    ],
)
def test_a_resolved_incident_reopens_within_its_cooldown_and_not_after(after, expected):
    assert on_repeat(resolved_at=T, window_until=None, cooldown=COOLDOWN, now=T + after) == expected


def test_without_a_cooldown_a_repeat_after_resolving_opens_a_new_incident():
    assert on_repeat(resolved_at=T, window_until=None, cooldown=timedelta(0), now=T) == "new"


@pytest.mark.parametrize(("after", "expected"), [(29 * MINUTE, "absorb"), (30 * MINUTE, "new"), (31 * MINUTE, "new")])
def test_a_windowed_incident_absorbs_only_within_its_window(after, expected):
    window_until = FROM_METRIC.window_until(T)
    assert on_repeat(resolved_at=None, window_until=window_until, cooldown=timedelta(0), now=T + after) == expected


def test_the_claim_lapses_exactly_when_a_repeat_stops_landing_on_the_incident():
    # The store takes a claim at or after its lapse; on_repeat says "new" from the same instant.
    for resolved_at, window_until, cooldown in [(T, None, COOLDOWN), (None, T + COOLDOWN, timedelta(0))]:
        lapse = claim_lapses_at(resolved_at=resolved_at, window_until=window_until, cooldown=cooldown)
        before = on_repeat(resolved_at=resolved_at, window_until=window_until, cooldown=cooldown, now=lapse - MINUTE)
        at = on_repeat(resolved_at=resolved_at, window_until=window_until, cooldown=cooldown, now=lapse)
        assert before != "new" and at == "new"


def test_an_unresolved_incident_without_a_window_holds_its_claim_indefinitely():
    assert claim_lapses_at(resolved_at=None, window_until=None, cooldown=COOLDOWN) is None


def test_the_policies_say_what_each_source_gets():
    assert DedupePolicy(window=None, cooldown=timedelta(0)) == NATIVE
    assert FROM_METRIC.window == 30 * MINUTE and FROM_METRIC.cooldown == timedelta(0)


# ---- the claim an incident holds, and how a change moves it -------------------------------------------------


def _incident(**changes):
    from flare.incidents.models import Incident

    at = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    fields = dict(
        id="inc_1",
        org_id="org_1",
        title="Disk full",
        description="",
        severity="major",
        status="investigating",
        published=True,
        affected_services=[],
        source="alertmanager",
        external_id="int_1/db-1",
        tags=[],
        metadata={},
        created_at=at,
        updated_at=at,
        started_at=at,
        dedupe_claimed=True,
    )
    return Incident(**(fields | changes))


RESOLVED_AT = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def test_an_unresolved_incident_holds_its_claim_until_its_window_ends():
    assert claim_of(_incident()) == Claim("inc_1", resolved=False, lapses_at=None)
    window = datetime(2026, 6, 1, 2, 30, tzinfo=UTC)
    assert claim_of(_incident(dedupe_window_until=window)) == Claim("inc_1", lapses_at=window)
    assert claim_of(_incident(external_id=None)) is None


def test_a_resolved_incident_holds_its_claim_through_its_cooldown_only():
    resolved = {"status": "resolved", "resolved_at": RESOLVED_AT}
    cooled = claim_of(_incident(**resolved, reopen_cooldown_seconds=1800))
    assert cooled == Claim("inc_1", resolved=True, lapses_at=RESOLVED_AT + timedelta(minutes=30))
    assert claim_of(_incident(**resolved)) is None  # no cooldown: the next repeat opens a new incident


def test_resolving_keeps_the_claim_through_the_cooldown_or_lets_it_go():
    before = _incident()
    kept, holds = claim_change(
        before, _incident(status="resolved", resolved_at=RESOLVED_AT, reopen_cooldown_seconds=60)
    )
    assert kept == ClaimChange(Claim("inc_1", resolved=True, lapses_at=RESOLVED_AT + timedelta(minutes=1))) and holds
    released, holds = claim_change(before, _incident(status="resolved", resolved_at=RESOLVED_AT))
    assert released == ClaimChange(None) and not holds


def test_reopening_takes_the_claim_back_unless_another_incident_holds_it_now():
    before = _incident(status="resolved", resolved_at=RESOLVED_AT, dedupe_claimed=False)
    change, holds = claim_change(before, _incident(dedupe_claimed=False))
    assert change == ClaimChange(Claim("inc_1"), or_free=True) and holds


def test_a_change_that_neither_resolves_nor_reopens_leaves_the_claim_alone():
    assert claim_change(_incident(), _incident(title="Disk full on db-1")) == (None, True)
    assert claim_change(_incident(dedupe_claimed=False), _incident(dedupe_claimed=False, title="x")) == (None, False)
