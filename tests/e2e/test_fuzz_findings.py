"""What the generated suites found, kept as plain tests so that it stays fixed whatever the fuzzer draws."""

import httpx
import pytest

from tests.e2e.openapi_cases import SPEC, assert_problem, header_names


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"created_after": "0516-12-14T18:36:58-17:54"}, True),  # before 1970: ULIDs start there (was a 500)
        ({"created_before": "1969-12-31T23:59:59Z"}, False),
        ({"created_after": "2000-01-01T00:00:00Z", "created_before": "9999-12-31T23:59:59Z"}, True),
    ],
)
def test_incident_time_filters_take_any_instant(fuzz_stack, fuzz_key, query, found):
    with fuzz_stack.client(fuzz_key) as api:
        incident = api.post("/incidents", json={"title": "time filters"}).json()["id"]
        listed = api.get("/incidents", params=query | {"limit": 100})
    assert listed.status_code == 200, listed.text
    assert (incident in [item["id"] for item in listed.json()["incidents"]]) is found


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/incidents", {"created_after": "9999-12-31T23:59:59-23:59"}),  # no such instant in UTC (was a 500)
        ("/maintenances", {"starts_before": "0001-01-01T00:00:00+01:00"}),
        ("/incidents", {"created_after": "12345"}),  # seconds since 1970 are not an RFC 3339 time
    ],
)
def test_out_of_range_or_numeric_time_filters_are_a_422(fuzz_stack, fuzz_key, path, query):
    with fuzz_stack.client(fuzz_key) as api:
        assert_problem(api.get(path, params=query), 422)


@pytest.mark.parametrize("at", [12345, 1.5, "12345", "9999-12-31T23:59:59-23:59", "2030-01-01"])
def test_maintenance_times_are_rfc3339_instants(fuzz_stack, fuzz_key, at):
    body = {"title": "times", "scheduled_start_at": at, "scheduled_end_at": "2031-01-01T00:00:00Z"}
    with fuzz_stack.client(fuzz_key) as api:
        refused = api.post("/maintenances", json=body)
    assert_problem(refused, 422)
    assert [error["field"] for error in refused.json()["errors"]] == ["scheduled_start_at"]


@pytest.mark.parametrize("action", ["resolve", "publish", "messages"])
def test_a_huge_path_id_with_an_idempotency_key_is_a_404(fuzz_stack, fuzz_key, action):
    # The route, path id included, begins the idempotency record's sort key, which DynamoDB caps at 1024 bytes:
    # its write failed and the answer was a 503 that no retry could cure.
    body = {"type": "update", "description": "x"} if action == "messages" else {}
    with fuzz_stack.client(fuzz_key) as api:
        answer = api.post(f"/incidents/{'\u00e9' * 1000}/{action}", json=body, headers={"Idempotency-Key": "huge-id"})
    assert_problem(answer, 404)


@pytest.mark.parametrize("method", ["TRACE", "QUERY", "CONNECT"])
def test_methods_no_route_has_are_a_404_problem(fuzz_stack, method):
    # http.server answered these with its own 501 HTML page.
    assert_problem(httpx.request(method, f"{fuzz_stack.api}/incidents"), 404)


def test_the_spec_documents_every_problem_an_operation_can_answer():
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            if path.startswith("/status/"):  # public pages: no key to refuse
                assert {"304", "404", "429", "503"} <= documented and not {"401", "403"} & documented, (method, path)
                continue
            assert {"400", "401", "403", "404", "422", "429", "503"} <= documented, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert "409" in documented, (method, path)
            if "if-match" in header_names(method, path):
                assert "412" in documented, (method, path)


def test_a_transaction_retried_with_its_token_is_applied_once(table):
    """A 500 under load: a TransactWriteItems that moto applied but answered after botocore's read timeout was
    retried and failed on its own write. DynamoDB answers a retry (same ClientRequestToken) with the first
    success; the local DynamoDB does now too."""
    write = {
        "TransactItems": [
            {
                "Put": {
                    "TableName": table.name,
                    "Item": {"PK": {"S": "RETRIED"}, "SK": {"S": "ONCE"}},
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
        ],
        "ClientRequestToken": "the-same-token",
    }
    table.client.transact_write_items(**write)
    table.client.transact_write_items(**write)  # botocore's retry
    with pytest.raises(table.client.exceptions.TransactionCanceledException):
        table.client.transact_write_items(**write | {"ClientRequestToken": "another-token"})


def test_the_local_dynamodb_keeps_no_copy_of_what_it_wrote(table):
    """`make fuzz` ran the local stack out of memory (14 GB): moto kept every item object it made, among them a
    copy of the whole table per transaction item, and every stream record."""
    from moto.core.model_instances import model_data
    from moto.dynamodb.models import dynamodb_backends

    from flare_local.dynamodb import REGION, STREAM_RECORDS_KEPT

    for n in range(STREAM_RECORDS_KEPT + 50):
        table.client.put_item(TableName=table.name, Item={"PK": {"S": f"KEPT#{n}"}, "SK": {"S": "ITEM"}})
    table.client.transact_write_items(
        TransactItems=[{"Put": {"TableName": table.name, "Item": {"PK": {"S": "ONE"}, "SK": {"S": "MORE"}}}}]
    )
    assert all(not model.instances_tracked for model in model_data["dynamodb"].values())
    stream = dynamodb_backends["123456789012"][REGION].tables[table.name].stream_shard
    assert len(stream.items) == STREAM_RECORDS_KEPT
