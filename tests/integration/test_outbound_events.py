"""Events from the table's change stream: every change of the catalogue becomes its events on the EventBridge bus,
with stable ids and the resource as the API answers it; a refused change or one that changes nothing yields none;
one resource's events keep their order through concurrent changes."""

import json

import jsonschema
import pytest

from flare.events.catalogue import CATALOGUE
from flare.events.types import EVENT_TYPES
from flare.incidents import use_cases as incidents
from flare.incidents.models import CreateMessageRequest
from flare_local import openapi_spec
from tests.support import WRITERS, caller_of, new_incident, new_service, race
from tests.support.invoking import LambdaContext, handler_of, invoke
from tests.support.outbound import deliver_outbound, tap_bus
from tests.support.streams import deliver_changes
from tests.support.webhook_receiver import webhook_receiver


@pytest.fixture
def bus(table):
    return tap_bus(table)


def published(table, bus) -> list[dict]:
    """The events the bus received since the last call, as EventBridge hands them to a rule's target."""
    deliver_outbound(table)
    return bus.events()


def _maintenance(org, **fields) -> dict:
    body = {
        "title": "DB upgrade",
        "scheduled_start_at": "2030-01-01T00:00:00Z",
        "scheduled_end_at": "2030-01-01T01:00:00Z",
    }
    reply = invoke("create_maintenance", org.api_key, body=body | fields)
    assert reply.status == 201, reply.body
    return reply.body


def test_every_change_of_the_catalogue_becomes_its_events_each_as_documented(org, table, bus):
    spec = openapi_spec.committed()
    service_id = new_service(org)
    incident = new_incident(org, publish=True, affected_services=[service_id], severity="critical")
    path = {"incident_id": incident["id"]}
    invoke("update_incident", org.api_key, path_params=path, body={"title": "Checkout is slow", "severity": "minor"})
    invoke("create_incident_message", org.api_key, path_params=path, body={"type": "identified", "description": "x"})
    invoke("resolve_incident", org.api_key, path_params=path, body={})
    invoke("create_incident_message", org.api_key, path_params=path, body={"type": "investigating", "description": "y"})
    invoke("delete_incident", org.api_key, path_params=path)
    started = _maintenance(org, affected_services=[service_id])
    invoke("update_maintenance", org.api_key, path_params={"maintenance_id": started["id"]}, body={"title": "DB v16"})
    invoke("start_maintenance", org.api_key, path_params={"maintenance_id": started["id"]}, body=None)
    invoke("complete_maintenance", org.api_key, path_params={"maintenance_id": started["id"]}, body=None)
    cancelled = _maintenance(org, title="Never mind")
    invoke("cancel_maintenance", org.api_key, path_params={"maintenance_id": cancelled["id"]}, body=None)

    events = published(table, bus)
    assert {event["detail-type"] for event in events} == set(EVENT_TYPES)
    for event in events:
        detail = event["detail"]
        assert event["source"] == "flare" and event["detail-type"] == detail["type"]
        assert detail["id"].startswith("evt_") and detail["version"] == 1 and detail["org_id"] == org.organisation_id
        schema = spec["webhooks"][detail["type"]]["post"]["requestBody"]["content"]["application/json"]["schema"]
        data_schema = schema["properties"]["data"] | {"components": spec["components"]}
        jsonschema.validate(detail["data"], data_schema)
    assert len({event["detail"]["id"] for event in events}) == len(events)  # each event once
    by_type: dict[str, list[dict]] = {}
    for event in events:
        by_type.setdefault(event["detail-type"], []).append(event["detail"]["data"])
    (updated,) = by_type["incident.updated"]
    assert updated["changes"] == {
        "title": {"before": "Checkout is down", "after": "Checkout is slow"},
        "severity": {"before": "critical", "after": "minor"},
    }
    assert [(d["from"], d["to"]) for d in by_type["incident.status_changed"]] == [
        ("investigating", "identified"),
        ("identified", "resolved"),
        ("resolved", "investigating"),
    ]
    assert [d["message"]["description"] for d in by_type["incident.message_posted"]] == [
        "x",
        "This incident has been resolved.",
        "y",
    ]
    assert by_type["incident.reopened"][0]["incident"]["reopen_count"] == 1
    assert by_type["incident.deleted"][0]["incident"]["id"] == incident["id"]
    assert by_type["maintenance.updated"][0]["changes"] == {"title": {"before": "DB upgrade", "after": "DB v16"}}
    statuses = [(d["service"]["id"], d["from"], d["to"]) for d in by_type["service.status_changed"]]
    assert statuses[:2] == [
        (service_id, "operational", "major_outage"),
        (service_id, "major_outage", "degraded_performance"),
    ]
    assert (service_id, "operational", "under_maintenance") in statuses


def test_the_catalogue_is_what_the_openapi_document_lists():
    assert set(openapi_spec.committed()["webhooks"]) == set(CATALOGUE)


def test_a_refused_change_and_a_change_that_changes_nothing_yield_no_event(org, table, bus):
    incident = new_incident(org, publish=True)
    published(table, bus)
    path = {"incident_id": incident["id"]}
    assert invoke("update_incident", org.api_key, path_params=path, body={"title": ""}).status == 422
    stale = invoke("update_incident", org.api_key, path_params=path, body={"title": "x"}, headers={"If-Match": '"99"'})
    assert stale.status == 412
    same = invoke("update_incident", org.api_key, path_params=path, body={"title": incident["title"]})
    assert same.status == 200 and same.body["version"] == incident["version"]
    assert invoke("publish_incident", org.api_key, path_params=path, body=None).status == 200  # published already
    invoke("resolve_incident", org.api_key, path_params=path, body={})
    assert {e["detail-type"] for e in published(table, bus)} == {
        "incident.status_changed",
        "incident.resolved",
        "incident.message_posted",
    }
    invoke("resolve_incident", org.api_key, path_params=path, body={})  # resolved already: changes nothing
    assert published(table, bus) == []


def test_a_stream_batch_delivered_twice_yields_the_same_event_ids(org, table, bus):
    new_incident(org, publish=True)
    streams = table.streams_client()
    arn = table.client.describe_table(TableName=table.name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    from flare_local.streams import lambda_record

    event = {"Records": [lambda_record(record, arn) for record in records]}
    handler_of("publish_events")(event, LambdaContext())
    handler_of("publish_events")(event, LambdaContext())  # the stream delivers a batch again after a failure
    ids = [e["detail"]["id"] for e in bus.events()]
    assert len(ids) == 4 and len(set(ids)) == 2


def committed_messages(table, incident_id: str) -> list[str]:
    """The incident's message ids in the order the table's stream recorded their writes (commit order)."""
    streams = table.streams_client()
    arn = table.client.describe_table(TableName=table.name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]
    return [
        record["dynamodb"]["Keys"]["SK"]["S"].removeprefix("#MSG#")
        for record in records
        if record["eventName"] == "INSERT"
        and record["dynamodb"]["Keys"]["SK"]["S"].startswith("#MSG#")
        and record["dynamodb"]["Keys"]["PK"]["S"].endswith(incident_id)
    ]


def test_one_incidents_events_arrive_in_the_order_of_its_changes_under_concurrent_writers(org, table, bus):
    incident = new_incident(org, publish=True)
    with webhook_receiver() as receiver:
        body = {"url": receiver.url, "event_types": ["incident.message_posted"]}
        assert invoke("create_webhook", org.api_key, body=body).status == 201
        deliver_outbound(table)
        caller = caller_of(org)
        race(
            lambda n: incidents.add_message(
                caller, incident["id"], CreateMessageRequest(type="update", description=f"note {n}")
            )
        )
        deliver_outbound(table)
        delivered = [json.loads(request.body)["data"]["message"]["id"] for request in receiver.received]
    committed = committed_messages(table, incident["id"])
    assert len(delivered) == WRITERS and len(set(delivered)) == WRITERS
    assert delivered == committed
    on_bus = [
        e["detail"]["data"]["message"]["id"] for e in bus.events() if e["detail-type"] == "incident.message_posted"
    ]
    assert on_bus[-WRITERS:] == committed


def test_a_request_spends_nothing_on_its_events(org, table):
    """The API writes only its own items: events come from the stream afterwards (deliver_changes), so nothing
    outbound exists until the stream is read."""
    sqs = table.server.client("sqs")
    url = table.messaging.queue_urls["OutboundQueue"]
    with webhook_receiver() as receiver:
        invoke("create_webhook", org.api_key, body={"url": receiver.url})
        new_incident(org, publish=True)
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"
        deliver_changes(table)
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "2"
