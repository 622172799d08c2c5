"""What the status page e2e tests share: the demo page `make dev` seeds, and waiting for a page to follow."""

import time

import httpx
import pytest

FOLLOWS_WITHIN = 5.0  # seconds: the README says "within a second"; CI machines are slower


def demo_service(stack, name: str = "API") -> str:
    with stack.client() as api:
        return next(
            s["id"] for s in api.get("/services", params={"limit": 100}).json()["services"] if s["name"] == name
        )


def page_url(stack, slug: str = "demo") -> str:
    return f"{stack.base_url}/status/{slug}"


def until(read, wanted, what: str):
    """Poll `read()` until `wanted(result)`, for at most FOLLOWS_WITHIN seconds; the last result."""
    deadline = time.monotonic() + FOLLOWS_WITHIN
    while True:
        result = read()
        if wanted(result):
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"the page did not follow within {FOLLOWS_WITHIN} s: {what}; last: {result!r:.500}")
        time.sleep(0.1)


def status_json(stack) -> dict:
    return httpx.get(f"{page_url(stack)}/api/v2/status.json").json()
