"""The local stack as a newcomer runs it (`python -m flare_local`), in its own process, on free ports."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from flare.auth import new_key

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

    def client(self, api_key: str | None = None) -> httpx.Client:
        key = self.api_key if api_key is None else api_key
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.api, headers=headers, timeout=30)


@pytest.fixture(scope="session")
def stack():
    port, dynamodb_port = free_port(), free_port()
    api_key = new_key()[2]
    env = os.environ | {"PORT": str(port), "FLARE_DYNAMODB_PORT": str(dynamodb_port), "FLARE_DEV_API_KEY": api_key}
    process = subprocess.Popen(
        [sys.executable, "-m", "flare_local"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    running = RunningStack(port, dynamodb_port, api_key)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{running.base_url}/openapi.json", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the local stack did not start:\n{process.stdout.read()}")
        time.sleep(0.2)
    yield running
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
