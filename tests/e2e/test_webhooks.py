"""Outbound events on the local stack, over HTTP as a newcomer meets them: `flare webhooks listen` prints verified
deliveries, a receiver verifies them with the standardwebhooks library, and a burst of concurrent changes to one
incident arrives in the order the table committed them."""

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from standardwebhooks.webhooks import Webhook as Verifier

from tests.e2e.conftest import ROOT
from tests.support.webhook_receiver import webhook_receiver

BURST = 50


def wait_for(predicate, timeout: float = 20) -> None:
    """Wait until the pipeline (stream → publisher → queue → deliverer) has done its part; not a timing test."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the deliveries did not arrive"
        time.sleep(0.05)


def test_flare_webhooks_listen_prints_verified_deliveries_and_cleans_up(stack):
    environment = os.environ | {"FLARE_API_URL": stack.base_url, "FLARE_API_KEY": stack.api_key}
    listener = subprocess.Popen(
        [sys.executable, "-m", "flare_cli.main", "webhooks", "listen", "--event-type", "incident.created"],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        subscribed = listener.stderr.readline()
        assert "subscribed whk_" in subscribed, subscribed
        webhook_id = subscribed.split("subscribed ")[1].split(" ")[0]
        with stack.client() as api:
            created = api.post("/incidents", json={"title": "Listen to me", "publish": True}).json()
        line = listener.stdout.readline()
        assert "incident.created" in line and created["reference"] in line and "Listen to me" in line
    finally:
        listener.send_signal(signal.SIGINT)
        _, errors = listener.communicate(timeout=20)
    assert listener.returncode == 0, errors
    assert f"deleted the subscription {webhook_id}" in errors
    with stack.client() as api:
        assert api.get(f"/webhooks/{webhook_id}").status_code == 404


def test_a_burst_of_changes_to_one_incident_arrives_signed_and_in_commit_order(stack):
    with webhook_receiver() as receiver, stack.client() as api:
        subscription = api.post(
            "/webhooks", json={"url": receiver.url, "event_types": ["incident.message_posted"]}
        ).json()
        incident = api.post("/incidents", json={"title": "Burst", "publish": True}).json()

        def post(number: int) -> int:
            with stack.client() as own:
                body = {"type": "update", "description": f"note {number}"}
                return own.post(f"/incidents/{incident['id']}/messages", json=body).status_code

        with ThreadPoolExecutor(max_workers=BURST) as pool:
            assert set(pool.map(post, range(BURST))) == {201}
        wait_for(lambda: len(receiver.received) >= BURST)
        api.delete(f"/webhooks/{subscription['id']}")
    verifier = Verifier(subscription["secret"])
    delivered = [
        verifier.verify(request.body, request.headers)["data"]["message"]["id"] for request in receiver.received
    ]
    assert len(delivered) == BURST == len(set(delivered))
    assert delivered == committed_messages(stack, incident["id"])


def committed_messages(stack, incident_id: str) -> list[str]:
    """The incident's message ids in the order the stack's table stream recorded their writes."""
    streams, dynamodb = stack.aws("dynamodbstreams"), stack.aws()
    arn = dynamodb.describe_table(TableName="flare-local")["Table"]["LatestStreamArn"]
    ids = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
        records = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]
        ids += [
            record["dynamodb"]["Keys"]["SK"]["S"].removeprefix("#MSG#")
            for record in records
            if record["eventName"] == "INSERT"
            and record["dynamodb"]["Keys"]["PK"]["S"].endswith(incident_id)
            and record["dynamodb"]["Keys"]["SK"]["S"].startswith("#MSG#")
        ]
    return ids


def test_a_delivery_reaches_a_receiver_verified_with_the_standard_library(stack):
    with webhook_receiver() as receiver, stack.client() as api:
        subscription = api.post("/webhooks", json={"url": receiver.url, "event_types": ["incident.resolved"]}).json()
        incident = api.post("/incidents", json={"title": "To resolve", "publish": True}).json()
        api.post(f"/incidents/{incident['id']}/resolve", json={"description": "Done."})
        wait_for(lambda: receiver.received)
        (request,) = receiver.received
        payload = Verifier(subscription["secret"]).verify(request.body, request.headers)
        assert payload["type"] == "incident.resolved"
        assert payload["data"]["incident"]["id"] == incident["id"]
        deliveries = api.get(f"/webhooks/{subscription['id']}/deliveries").json()["deliveries"]
        assert [d["status"] for d in deliveries] == ["delivered"]
        assert deliveries[0]["event_id"] == request.headers["webhook-id"]
        api.delete(f"/webhooks/{subscription['id']}")
    assert json.loads(request.body)["timestamp"].endswith("Z")
    assert httpx.get(f"{stack.base_url}/openapi.json").json()["webhooks"]["incident.resolved"]
