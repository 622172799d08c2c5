"""`python -m flare_local`'s stack with the real template and functions: the seeded key works end to end, and the
embedded DynamoDB is reachable from other hosts only when bound so."""

import socket

import httpx
import pytest

from flare_local.dynamodb import LockedMotoServer
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


# ---- the DynamoDB's bind address (sam local's containers reach it through the host's bridge address) ---------


def _non_loopback_address() -> str | None:
    """This machine's address on its default route (no packet is sent), or None on a loopback-only machine."""
    for target in ("198.51.100.1", "10.255.255.254"):  # documentation and private addresses: routed, never sent to
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.connect((target, 9))
            except OSError:
                continue
            address = probe.getsockname()[0]
        if not address.startswith("127."):
            return address
    return None


def _answers(address: str, port: int) -> bool:
    try:
        httpx.get(f"http://{address}:{port}/", timeout=5)
    except httpx.TransportError:
        return False
    return True


@pytest.mark.parametrize(("bind", "reachable_from_outside"), [("127.0.0.1", False), ("0.0.0.0", True)])
def test_the_dynamodb_is_reachable_beyond_loopback_only_when_bound_so(bind, reachable_from_outside):
    """FLARE_DYNAMODB_HOST=0.0.0.0 (README, sam local on a Linux Docker host): a container's requests arrive on
    the host's bridge address, which a server bound to 127.0.0.1 refuses."""
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no address but loopback")
    server = LockedMotoServer(host=bind)
    port = int(server.start().rsplit(":", 1)[1])
    try:
        assert _answers("127.0.0.1", port)
        assert _answers(address, port) is reachable_from_outside
    finally:
        server.stop()
