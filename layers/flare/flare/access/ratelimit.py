"""Per-API-key rate limits: a fixed one-minute window counted in DynamoDB.

Every request of a key spends one unit of its window (one conditional UpdateItem, ~1 WCU); at the limit
the counter refuses and the request is a 429. Counting in the table, not in API Gateway usage plans, is
what lets every answer carry exact RateLimit-* headers and lets the local stack enforce the same limits.
"""

from dataclasses import dataclass

from flare import clock
from flare.access.port import storage
from flare.errors import RateLimited

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Allowance:
    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


def spend(key_id: str, limit: int) -> Allowance:
    """Count one request of `key_id`; RateLimited (429, with Retry-After) when its window is used up."""
    now = int(clock.now().timestamp())
    window = now - now % WINDOW_SECONDS
    reset = window + WINDOW_SECONDS - now
    # Counters outlive their window a little (TTL), so a late request never recreates a stale one as fresh.
    count = storage().count_request(key_id, window, limit, expires_at=window + 2 * WINDOW_SECONDS)
    if count is None:
        spent = Allowance(limit, 0, reset)
        raise RateLimited(
            f"this API key allows {limit} requests per minute; retry in {reset} s",
            headers=spent.headers() | {"Retry-After": str(reset)},
        )
    return Allowance(limit, max(limit - count, 0), reset)
