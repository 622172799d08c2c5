"""Per-key rate limits: a fixed one-minute window counted in the table."""

from datetime import UTC, datetime, timedelta

from flare import clock
from tests.support.invoking import invoke

T0 = datetime(2026, 6, 1, 2, 0, 10, tzinfo=UTC)


def new_key(org, **fields) -> dict:
    reply = invoke("create_api_key", org.api_key, body={"name": "limited", "scopes": ["read:incidents"]} | fields)
    assert reply.status == 201, reply.body
    return reply.body


def test_every_answer_says_the_limit_and_what_is_left(org):
    key = new_key(org)
    assert key["rate_limit_per_minute"] == 1200
    clock.set_clock(lambda: T0)

    first = invoke("list_incidents", key["key"], query={})
    second = invoke("list_incidents", key["key"], query={})

    assert first.headers["RateLimit-Limit"] == "1200"
    assert first.headers["RateLimit-Remaining"] == "1199"
    assert second.headers["RateLimit-Remaining"] == "1198"
    assert first.headers["RateLimit-Reset"] == "50"  # seconds to the end of the window


def test_past_the_limit_a_429_problem_until_the_window_turns(org):
    key = new_key(org, rate_limit_per_minute=3)
    clock.set_clock(lambda: T0)
    assert [invoke("list_incidents", key["key"], query={}).status for _ in range(3)] == [200, 200, 200]

    refused = invoke("list_incidents", key["key"], query={})

    assert refused.status == 429
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.body["status"] == 429 and "3 requests per minute" in refused.body["detail"]
    assert refused.headers["Retry-After"] == "50"
    assert refused.headers["RateLimit-Limit"] == "3"
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert refused.headers["RateLimit-Reset"] == "50"
    # Refused requests do not touch anything else, and bad ones count too (a flood is a flood).
    assert invoke("create_incident", key["key"], raw_body="{").status == 429

    clock.set_clock(lambda: T0 + timedelta(seconds=50))
    again = invoke("list_incidents", key["key"], query={})
    assert again.status == 200
    assert again.headers["RateLimit-Remaining"] == "2"


def test_limits_are_per_key(org):
    tight = new_key(org, rate_limit_per_minute=1)
    clock.set_clock(lambda: T0)
    assert invoke("list_incidents", tight["key"], query={}).status == 200
    assert invoke("list_incidents", tight["key"], query={}).status == 429
    assert invoke("list_incidents", org.api_key, query={}).status == 200


def test_the_limit_is_validated_at_creation(org):
    for bad in (0, -1, 100_001, "many"):
        reply = invoke(
            "create_api_key", org.api_key, body={"name": "x", "scopes": ["admin"], "rate_limit_per_minute": bad}
        )
        assert reply.status == 422
        assert reply.problem_fields == ["rate_limit_per_minute"]
