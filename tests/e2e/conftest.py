"""The local stack as a newcomer runs it (`python -m flare_local`), in its own process, on free ports."""

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from flare.access.auth import new_key
from tests.support.table import stored_items

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RunningStack:
    def __init__(self, port: int, dynamodb_port: int, api_key: str):
        self.base_url = f"http://127.0.0.1:{port}"
        self.api = f"{self.base_url}/api/v1"
        self.dynamodb_endpoint = f"http://127.0.0.1:{dynamodb_port}"
        self.api_key = api_key

    def aws(self, service: str = "dynamodb") -> Any:
        """A boto3 client of the stack's embedded AWS (moto: DynamoDB, its stream, SQS…), dummy credentials."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.dynamodb_endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def client(self, api_key: str | None = None) -> httpx.Client:
        key = self.api_key if api_key is None else api_key
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.api, headers=headers, timeout=30)


def run_stack(log_dir: Path):
    """`python -m flare_local` on free ports until the generator is closed."""
    port, dynamodb_port = free_port(), free_port()
    api_key = new_key()[2]
    env = os.environ | {
        "PORT": str(port),
        "FLARE_DYNAMODB_PORT": str(dynamodb_port),
        "FLARE_DEV_API_KEY": api_key,
        "FLARE_LOCAL_STATE": str(log_dir / "stack.json"),  # not the repository's: a `make dev` may be running
    }
    # The stack logs every request: to a file, since an undrained pipe fills up and then blocks the stack.
    log_path = log_dir / "flare_local.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "flare_local"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    running = RunningStack(port, dynamodb_port, api_key)
    running.state_file = Path(env["FLARE_LOCAL_STATE"])
    deadline = time.monotonic() + 60
    while True:
        try:
            # Ready once the seeded key is accepted: the gateway listens before the demo org is written.
            ready = httpx.get(f"{running.api}/services", headers={"Authorization": f"Bearer {api_key}"}, timeout=5)
            # ... and once `make dev`'s demo status page is up: its services are written after the key.
            if ready.status_code == 200 and httpx.get(f"{running.base_url}/status/demo", timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            pytest.fail(f"the local stack did not start:\n{log_path.read_text()}")
        time.sleep(0.2)
    yield running
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    yield from run_stack(tmp_path_factory.mktemp("stack"))


# ---- the generated suites (schemathesis, authorization matrix, bad-input corpus): their own stack, keys, a
# second organisation, and the table ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fuzz_stack(tmp_path_factory):
    """A second local stack for the generated suites. What they make (thousands of items, maintenances due at
    random times, revoked keys) must not show up in the other e2e tests' lists and sweeps; and the embedded
    DynamoDB copies the whole table for each item of a transaction, so a big table slows every write."""
    yield from run_stack(tmp_path_factory.mktemp("fuzz_stack"))


ALL_SCOPES = ["admin", "write:incidents", "write:maintenances", "read:incidents"]
TABLE_NAME = "flare-local"  # flare_local.stack.DEFAULT_TABLE_NAME
HIGH_RATE_LIMIT = 100_000


@pytest.fixture(scope="session")
def served_spec(fuzz_stack) -> dict:
    """The OpenAPI document the running stack serves (the committed docs/openapi.json)."""
    return httpx.get(f"{fuzz_stack.base_url}/openapi.json", timeout=10).json()


def create_key(stack: RunningStack, spec: dict, scopes: list[str], name: str) -> dict:
    """A new API key of the demo organisation (made with its admin key), with a high rate limit where the API
    has per-key limits (so that generated suites are never throttled): the created key's JSON."""
    body: dict = {"name": name, "scopes": scopes}
    request_schema = spec["components"]["schemas"].get("CreateApiKeyRequest", {})
    if "rate_limit_per_minute" in request_schema.get("properties", {}):
        body["rate_limit_per_minute"] = HIGH_RATE_LIMIT
    with stack.client() as api:
        created = api.post("/api-keys", json=body)
    assert created.status_code == 201, created.text
    return created.json()


@pytest.fixture(scope="session")
def fuzz_key(fuzz_stack, served_spec) -> str:
    """A demo-organisation key with every scope and a high rate limit."""
    return create_key(fuzz_stack, served_spec, ALL_SCOPES, "generated suites")["key"]


@dataclass(frozen=True)
class OtherOrganisation:
    organisation_id: str
    api_key: str


@pytest.fixture(scope="session")
def other_organisation(fuzz_stack) -> OtherOrganisation:
    """A second organisation, made as an operator would (`flare org create`)."""
    result = subprocess.run(
        [sys.executable, "-m", "flare_cli.main", "org", "create", "other", "--json"]
        + ["--endpoint-url", fuzz_stack.dynamodb_endpoint],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    return OtherOrganisation(created["organisation_id"], created["api_key"])


@pytest.fixture(scope="session")
def fuzz_table(fuzz_stack):
    """The fuzz stack's table, read directly (boto3 on its embedded DynamoDB, dummy credentials)."""
    return StackTable(fuzz_stack.aws(), TABLE_NAME)


@dataclass
class StackTable:
    client: Any
    name: str

    def snapshot(self) -> list[dict]:
        return stored_items(self.client, self.name)
