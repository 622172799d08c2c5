"""The EventBridge and SQS clients, created once per process and only by the functions that use them."""

from functools import cache

import boto3
from botocore.config import Config

from flare import settings

# Both answer in milliseconds; a slow answer is a fault the SDK retries (standard mode, with backoff).
_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 4}, connect_timeout=2, read_timeout=10)


@cache
def events_client():
    return boto3.client("events", endpoint_url=settings.settings().aws_endpoint_url, config=_CONFIG)


@cache
def sqs_client():
    return boto3.client("sqs", endpoint_url=settings.settings().aws_endpoint_url, config=_CONFIG)


def reset_clients() -> None:
    """Forget the clients (tests that point a process at another endpoint)."""
    events_client.cache_clear()
    sqs_client.cache_clear()
