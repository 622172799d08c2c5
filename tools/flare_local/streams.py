"""The table's change stream delivered to the template's DynamoDB-event functions, as Lambda's event source
mapping does on AWS: records in order, filtered by the mapping's FilterCriteria, in batches of its BatchSize,
a failed batch retried.

The pump reads moto's DynamoDB Streams API (describe_stream, get_shard_iterator, get_records) like the mapping
reads DynamoDB's. It differs from AWS in three ways: it polls every POLL_SECONDS instead of long-polling; the
filter supports only the pattern operators the template uses (exact strings and `prefix`; any other is refused at
start, never ignored); and a batch that keeps failing is logged and dropped after MAX_ATTEMPTS (AWS: the mapping's
MaximumRetryAttempts). tests/integration/test_local_streams.py holds the last two, and the pump to moto's stream.
"""

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flare_local.template import resources_of_type

logger = logging.getLogger("flare_local.streams")
POLL_SECONDS = 0.1
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Subscription:
    """One function's DynamoDB event: which function, how many records per batch, which records."""

    logical_id: str
    event_name: str
    batch_size: int
    patterns: tuple[dict[str, Any], ...]  # FilterCriteria; a record passes if any matches (none: all pass)

    def wants(self, record: dict[str, Any]) -> bool:
        return not self.patterns or any(matches(pattern, record) for pattern in self.patterns)


def subscriptions(template: dict[str, Any]) -> list[Subscription]:
    found = []
    for logical_id, resource in resources_of_type(template, "AWS::Serverless::Function").items():
        for event_name, event in ((resource.get("Properties") or {}).get("Events") or {}).items():
            if event.get("Type") != "DynamoDB":
                continue
            props = event.get("Properties") or {}
            filters = ((props.get("FilterCriteria") or {}).get("Filters")) or []
            patterns = tuple(json.loads(spec["Pattern"]) for spec in filters)
            for pattern in patterns:
                check_pattern(pattern, f"{logical_id}.{event_name}")
            found.append(Subscription(logical_id, event_name, int(props.get("BatchSize", 100)), patterns))
    return found


def check_pattern(pattern: Any, where: str) -> None:
    """Refuse what `matches` would not honour: the local stack must not deliver what AWS would filter out."""
    if isinstance(pattern, dict):
        for value in pattern.values():
            check_pattern(value, where)
    elif isinstance(pattern, list):
        for value in pattern:
            if isinstance(value, dict) and set(value) != {"prefix"}:
                raise ValueError(f"{where}: the local stack filters on exact values and prefix only, not {value}")
            if not isinstance(value, (str, dict)):
                raise ValueError(f"{where}: the local stack filters on strings only, not {value!r}")
    else:
        raise ValueError(f"{where}: a filter pattern's leaves are lists of values, not {pattern!r}")


def matches(pattern: dict[str, Any], record: dict[str, Any]) -> bool:
    """Lambda's event filtering (EventBridge patterns) for exact strings and prefixes: every key of the pattern
    must be present and match; a list matches when any of its values does."""
    for name, wanted in pattern.items():
        if name not in record:
            return False
        given = record[name]
        if isinstance(wanted, dict):
            if not isinstance(given, dict) or not matches(wanted, given):
                return False
        elif not any(
            (isinstance(option, str) and given == option)
            or (isinstance(option, dict) and isinstance(given, str) and given.startswith(option["prefix"]))
            for option in wanted
        ):
            return False
    return True


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A record as get_records returned it through boto3, as Lambda hands it to the function."""
    dynamodb = dict(record["dynamodb"])
    if isinstance(at := dynamodb.get("ApproximateCreationDateTime"), datetime):
        dynamodb["ApproximateCreationDateTime"] = int(at.timestamp())  # epoch seconds, as Lambda sends
    return {
        "eventID": record.get("eventID"),
        "eventName": record.get("eventName"),
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion", "us-east-1"),
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


class StreamPump:
    """Polls the table's stream and hands each subscription its records. `invoke(logical_id, event)` runs a
    function as the local gateway does. `drain()` delivers what is pending now (tests wait on it)."""

    def __init__(
        self,
        streams_client: Any,
        stream_arn: str,
        template: dict[str, Any],
        invoke: Callable[[str, dict[str, Any]], Any],
        *,
        start: str = "LATEST",
    ) -> None:
        """`start`: LATEST (what is written from now on, as a new mapping) or TRIM_HORIZON (all moto kept)."""
        self._client, self._arn, self._invoke = streams_client, stream_arn, invoke
        self.subscriptions = subscriptions(template)
        # Where each shard was read up to: the last sequence number delivered (None: nothing yet). An iterator is
        # made afresh from it on every read: moto rolls a cancelled transaction back by putting a copy of the
        # table in its place, stream shard included, and an iterator of the old shard would never see another
        # record.
        self._read_up_to: dict[str, str | None] = {}
        self._lock = threading.Lock()  # one delivery at a time, in order
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        for shard in self._client.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]:
            self._read_up_to[shard["ShardId"]] = None
        if start == "LATEST":  # skip what is there now
            while self._read():
                pass
        elif start != "TRIM_HORIZON":
            raise ValueError(f"start is LATEST or TRIM_HORIZON, not {start}")

    def start(self) -> None:
        if self.subscriptions:
            self._thread = threading.Thread(target=self._run, name="flare-local-streams", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self.drain()
            except Exception:  # the stack must go on serving; the next poll tries again
                logger.exception("could not read the table's stream")

    def drain(self) -> int:
        """Deliver every record written so far; how many records were read."""
        with self._lock:
            read = 0
            while batch := self._read():
                read += len(batch)
                for subscription in self.subscriptions:
                    wanted = [record for record in batch if subscription.wants(record)]
                    for start in range(0, len(wanted), subscription.batch_size):
                        self._deliver(subscription, wanted[start : start + subscription.batch_size])
            return read

    def _read(self) -> list[dict[str, Any]]:
        records = []
        for shard_id, after in list(self._read_up_to.items()):
            try:
                answer = self._client.get_records(ShardIterator=self._iterator(shard_id, after), Limit=1000)
            except Exception:
                # moto trimmed records this pump had not read (flare_local.dynamodb keeps the newest only): go on
                # from the oldest it has, as a mapping whose records expired does.
                logger.warning("stream records were trimmed before they were delivered; resuming")
                answer = self._client.get_records(ShardIterator=self._iterator(shard_id, None), Limit=1000)
            shard_records = answer.get("Records", [])
            if shard_records:
                self._read_up_to[shard_id] = shard_records[-1]["dynamodb"]["SequenceNumber"]
            records += [lambda_record(record, self._arn) for record in shard_records]
        return records

    def _iterator(self, shard_id: str, after: str | None) -> str:
        position = {"ShardIteratorType": "TRIM_HORIZON"}
        if after is not None:
            position = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
        return self._client.get_shard_iterator(StreamArn=self._arn, ShardId=shard_id, **position)["ShardIterator"]

    def _deliver(self, subscription: Subscription, records: list[dict[str, Any]]) -> None:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                self._invoke(subscription.logical_id, {"Records": records})
                return
            except Exception:
                logger.exception("%s failed on %d records (attempt %d)", subscription.logical_id, len(records), attempt)
        logger.error("%s: %d records dropped after %d attempts", subscription.logical_id, len(records), MAX_ATTEMPTS)
