"""What a repeat of a known alert does (rules.dedupe): absorbed, reopened within the cooldown, or new."""

from datetime import UTC, datetime, timedelta

import pytest

from flare.incidents.dedupe import FROM_METRIC, NATIVE, DedupePolicy, claim_lapses_at, on_repeat

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
