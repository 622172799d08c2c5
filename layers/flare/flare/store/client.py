"""The DynamoDB client and the table, for every module of the store."""

import boto3
from botocore.config import Config

from flare import settings

_client = None


def client():
    """The DynamoDB client, created once per process (creation costs ~450 ms; reuse across invocations)."""
    global _client
    if _client is None:
        endpoint_url = settings.settings().aws_endpoint_url
        _client = boto3.client(
            "dynamodb",
            endpoint_url=endpoint_url,
            config=Config(
                retries={"mode": "standard", "total_max_attempts": 4},  # 1 try + 3 retries with backoff
                connect_timeout=2,
                read_timeout=read_timeout_seconds(endpoint_url),
                tcp_keepalive=True,
                max_pool_connections=50,  # local concurrency tests; a Lambda uses one at a time
            ),
        )
    return _client


# DynamoDB answers in milliseconds: 5 s means it is in trouble, and the SDK retries. The local moto serves one
# request at a time, so a burst of 50 callers queues for seconds there; a timed-out request still runs when its
# turn comes, and its retry runs again, so a counted repeat (ADD occurrences) would count twice. Locally, wait.
AWS_READ_TIMEOUT_SECONDS = 5
LOCAL_READ_TIMEOUT_SECONDS = 120


def read_timeout_seconds(endpoint_url: str | None) -> int:
    return LOCAL_READ_TIMEOUT_SECONDS if endpoint_url else AWS_READ_TIMEOUT_SECONDS


def reset_client() -> None:
    """Forget the client and the settings it was made with (tests that point the store at another endpoint)."""
    global _client
    _client = None
    settings.forget()


def table_name() -> str:
    return settings.settings().table()
