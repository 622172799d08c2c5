"""`python -m flare_local`'s stack with the real template and functions: the seeded key works end to end."""

import httpx
import pytest

from flare_local.stack import LocalStack


@pytest.fixture(scope="module")
def stack():
    with LocalStack(table_name="flare-local-smoke") as started:
        yield started


def test_seeded_demo_key_reaches_the_functions(stack: LocalStack) -> None:
    with httpx.Client(base_url=stack.base_url, headers={"Authorization": f"Bearer {stack.api_key}"}) as api:
        created = api.post("/api/v1/services", json={"name": "Checkout"})
        assert created.status_code == 201, created.text
        listed = api.get("/api/v1/services")
        assert [service["name"] for service in listed.json()["services"]] == ["Checkout"]


def test_the_templates_gateway_responses_are_problems(stack: LocalStack) -> None:
    unauthorized = httpx.get(f"{stack.base_url}/api/v1/services")
    assert (unauthorized.status_code, unauthorized.headers["content-type"]) == (401, "application/problem+json")
    assert unauthorized.json()["request_id"] == unauthorized.headers["x-amzn-requestid"]
    assert httpx.get(f"{stack.base_url}/api/v1/nowhere").json()["type"] == "/problems/not-found"
