"""The local stack's stand-in for Lambda's DynamoDB event source mapping (flare_local.streams), where it differs
from AWS: its filter honours the template's patterns and refuses operators it does not implement; records keep
coming after moto rolls a transaction back; a function that keeps failing is retried, then its batch dropped.
(The template has two stream functions, the projector and the event publisher: the pump tests watch the projector's.)"""

import logging

import pytest

from flare_local.streams import MAX_ATTEMPTS, StreamPump, check_pattern, matches, subscriptions
from flare_local.template import load_template
from tests.support.invoking import ROOT

TEMPLATE = load_template(ROOT / "template.yaml")


def record(pk: str, sk: str) -> dict:
    return {"eventName": "INSERT", "dynamodb": {"Keys": {"PK": {"S": pk}, "SK": {"S": sk}}}}


def test_the_projectors_filter_takes_what_pages_show_and_nothing_else():
    [projector] = [s for s in subscriptions(TEMPLATE) if s.logical_id == "ProjectStatusPagesFunction"]
    shown = [
        record("ORG#org_1#INC#inc_1", "INCIDENT"),
        record("ORG#org_1#INC#inc_1", "#MSG#msg_1"),
        record("ORG#org_1#SVC#svc_1", "SERVICE"),
        record("ORG#org_1#MNT#mnt_1", "#EVT#evt_1"),
        record("ORG#org_1#SPG#spg_1", "STATUS_PAGE"),
    ]
    never = [
        record("RATE#key_1", "29000000"),  # every request's counter
        record("SLUG#acme", "SLUG"),  # the projector's own writes: no loop
        record("IDEMPOTENCY", "POST /incidents#abc"),
        record("ORG#org_1#DEDUPE#abc", "DEDUPE"),
        record("ORG#org_1", "INCIDENT_NUMBER"),
    ]
    assert all(projector.wants(r) for r in shown)
    assert not any(projector.wants(r) for r in never)


def test_the_event_publishers_filter_takes_what_events_come_from_and_nothing_else():
    [publisher] = [s for s in subscriptions(TEMPLATE) if s.logical_id == "PublishEventsFunction"]
    sources = [
        record("ORG#org_1#INC#inc_1", "INCIDENT"),
        record("ORG#org_1#INC#inc_1", "#MSG#msg_1"),
        record("ORG#org_1#SVC#svc_1", "SERVICE"),
        record("ORG#org_1#MNT#mnt_1", "MAINTENANCE"),
    ]
    never = [
        record("RATE#key_1", "29000000"),
        record("SLUG#acme", "SLUG"),
        record("ORG#org_1#WHK#whk_1", "#DLV#dlv_1"),  # a delivery's own record: no loop
        record("ORG#org_1#WHK#whk_1", "WEBHOOK"),
        record("ORG#org_1#SLACKTHREAD#inc_1", "SLACK_THREAD#int_1#C1"),
        record("ORG#org_1#MNT#mnt_1", "#EVT#evt_1"),
        record("ORG#org_1#DEDUPE#abc", "DEDUPE"),
    ]
    assert all(publisher.wants(r) for r in sources)
    assert not any(publisher.wants(r) for r in never)


@pytest.mark.parametrize(
    "pattern",
    [
        {"dynamodb": {"Keys": {"SK": {"S": [{"anything-but": "RATE"}]}}}},
        {"eventName": [{"exists": True}]},
        {"dynamodb": {"NewImage": {"n": {"N": [{"numeric": [">", 0]}]}}}},
        {"eventName": "INSERT"},  # a leaf must be a list
    ],
    ids=str,
)
def test_a_pattern_the_local_filter_cannot_honour_is_refused_not_ignored(pattern):
    with pytest.raises(ValueError, match="local stack|lists of values"):
        check_pattern(pattern, "Fn.Event")


def test_matching_is_exact_or_by_prefix_and_every_key_must_be_there():
    pattern = {"dynamodb": {"Keys": {"SK": {"S": ["INCIDENT", {"prefix": "#MSG#"}]}}}}
    assert matches(pattern, record("x", "INCIDENT")) and matches(pattern, record("x", "#MSG#1"))
    assert not matches(pattern, record("x", "INCIDENTS")) and not matches(pattern, {"dynamodb": {}})


def _pump(table, delivered: list, *, fail: bool = False) -> StreamPump:
    arn = table.client.describe_table(TableName=table.name)["Table"]["LatestStreamArn"]

    def invoke(logical_id: str, event: dict) -> None:
        if logical_id != "ProjectStatusPagesFunction":  # one of the template's stream functions stands for all
            return
        if fail:
            raise RuntimeError("the function failed")
        delivered.extend(r["dynamodb"]["Keys"]["PK"]["S"] for r in event["Records"])

    return StreamPump(table.streams_client(), arn, TEMPLATE, invoke)


def _put(table, pk: str, sk: str = "INCIDENT") -> None:
    table.client.put_item(TableName=table.name, Item={"PK": {"S": pk}, "SK": {"S": sk}})


def test_records_keep_coming_after_a_transaction_is_rolled_back(table):
    delivered: list[str] = []
    pump = _pump(table, delivered)
    _put(table, "ORG#o#INC#before")
    with pytest.raises(table.client.exceptions.TransactionCanceledException):
        table.client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table.name,
                        "Item": {"PK": {"S": "ORG#o#INC#before"}, "SK": {"S": "INCIDENT"}},
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            ]
        )
    _put(table, "ORG#o#INC#after")  # moto put a copy of the table, stream included, in place of the first

    pump.drain()
    assert delivered == ["ORG#o#INC#before", "ORG#o#INC#after"]


def test_a_pump_started_at_latest_delivers_only_what_comes_after(table):
    _put(table, "ORG#o#INC#old")
    delivered: list[str] = []
    pump = _pump(table, delivered)
    _put(table, "ORG#o#INC#new")
    pump.drain()
    assert delivered == ["ORG#o#INC#new"]


def test_a_function_that_keeps_failing_is_retried_then_its_batch_dropped(table, caplog):
    pump = _pump(table, [], fail=True)
    _put(table, "ORG#o#INC#doomed")
    with caplog.at_level(logging.INFO, logger="flare_local.streams"):
        assert pump.drain() == 1
    attempts = [r for r in caplog.records if "failed on 1 records" in r.getMessage()]
    assert len(attempts) == MAX_ATTEMPTS
    assert any("dropped after" in r.getMessage() for r in caplog.records)
