"""Webhook delivery decisions (webhooks.rules): retries over about a day, what answers mean, which addresses a
delivery may reach, when an endpoint is disabled."""

from datetime import UTC, datetime, timedelta

import pytest

from flare.webhooks.rules import (
    DISABLE_AFTER,
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER_SECONDS,
    RETRY_SCHEDULE,
    Answer,
    address_allowed,
    next_retry_in,
    retry_after_seconds,
    should_disable,
    verdict,
    wants,
)

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (Answer(200), "delivered"),
        (Answer(204), "delivered"),
        (Answer(None, "timeout"), "retry"),
        (Answer(429), "retry"),
        (Answer(500), "retry"),
        (Answer(503), "retry"),
        (Answer(410), "gone"),
        (Answer(301), "failed"),
        (Answer(404), "failed"),
        (Answer(None, "not sent: private address", refused=True), "failed"),
    ],
)
def test_what_an_answer_means(answer, expected):
    assert verdict(answer) == expected


def test_the_schedule_spans_about_a_day_with_growing_gaps():
    total = sum(RETRY_SCHEDULE)
    assert 20 * 3600 <= total <= 30 * 3600
    assert list(RETRY_SCHEDULE) == sorted(RETRY_SCHEDULE)
    assert [next_retry_in(n, Answer(503)) for n in range(1, MAX_ATTEMPTS)] == list(RETRY_SCHEDULE)
    assert next_retry_in(MAX_ATTEMPTS, Answer(503)) is None  # out of attempts
    assert next_retry_in(1, Answer(200)) is None and next_retry_in(1, Answer(400)) is None


def test_retry_after_is_honoured_when_longer_and_capped():
    assert next_retry_in(1, Answer(429, retry_after=120)) == 120
    assert next_retry_in(3, Answer(429, retry_after=1)) == RETRY_SCHEDULE[2]  # never sooner than the schedule
    assert next_retry_in(1, Answer(503, retry_after=10**9)) == MAX_RETRY_AFTER_SECONDS


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("30", NOW) == 30
    assert retry_after_seconds("Tue, 01 Dec 2026 10:02:00 GMT", NOW) == 120
    assert retry_after_seconds("soon", NOW) is None and retry_after_seconds(None, NOW) is None


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared address space
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fd00:ec2::254",  # AWS metadata over IPv6
        "fe80::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_private_loopback_link_local_and_metadata_addresses_are_never_reached_when_deployed(address):
    assert not address_allowed(address, allow_loopback=False)


def test_public_addresses_are_reached_and_loopback_only_where_the_local_stack_allows_it():
    assert address_allowed("93.184.216.34", allow_loopback=False)
    assert address_allowed("2606:4700::6810:85e5", allow_loopback=False)
    assert address_allowed("127.0.0.1", allow_loopback=True)
    assert not address_allowed("10.0.0.1", allow_loopback=True)


def test_an_endpoint_is_disabled_after_failing_for_days():
    assert not should_disable(None, NOW)
    assert not should_disable(NOW - DISABLE_AFTER + timedelta(minutes=1), NOW)
    assert should_disable(NOW - DISABLE_AFTER, NOW)


def test_event_types_and_the_wildcard():
    assert wants(["*"], "incident.created") and wants(["incident.created"], "incident.created")
    assert not wants(["incident.resolved"], "incident.created")
