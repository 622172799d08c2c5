"""The IAM evaluator behind tests/integration/test_iam.py, and the least privilege template.yaml grants."""

import pytest

from flare_local.template import load_template
from tests.support.iam import Call, Grants, calls_of, grants_by_function, sam_policy_templates
from tests.support.iam import _policy_statements as policy_statements
from tests.support.invoking import ROOT

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/FlareTable"
TEMPLATE = load_template(ROOT / "template.yaml")
GRANTS = grants_by_function(ROOT / "template.yaml")
READ_ROUTES = ["get_incident", "list_incidents", "get_service", "list_api_keys", "get_maintenance", "list_metrics"]


def item(action: str, pk: str, resource: str = TABLE) -> Call:
    return Call(f"dynamodb:{action}", resource, (pk,))


def test_the_class_of_bug_is_caught_sam_read_policy_denies_the_rate_limit_counter():
    """What the read routes held before: DynamoDBReadPolicy, expanded as SAM expands it, has no UpdateItem, so the
    rate-limit counter every request spends was denied on AWS (and the limiter failed open)."""
    statements = policy_statements({"DynamoDBReadPolicy": {"TableName": {"Ref": "FlareTable"}}}, TEMPLATE["Resources"])
    read_policy = Grants(tuple(statements))

    assert read_policy.allows(item("GetItem", "ORG#org_1#INC#inc_1"))
    assert read_policy.allows(Call("dynamodb:Query", TABLE + "/index/GSI1"))
    assert not read_policy.allows(item("UpdateItem", "RATE#key_1"))


def test_sam_policy_templates_are_the_translators_own():
    crud = sam_policy_templates()["DynamoDBCrudPolicy"]["Definition"]["Statement"][0]["Action"]
    assert "dynamodb:Scan" in crud  # why no function holds it any more


@pytest.mark.parametrize("function", READ_ROUTES)
def test_read_routes_read_and_count_their_request_and_nothing_else(function):
    grants = GRANTS[function]

    for action in ("GetItem", "Query", "BatchGetItem"):
        assert grants.allows(item(action, "ORG#org_1#INC#inc_1"))
    assert grants.allows(Call("dynamodb:Query", TABLE + "/index/GSI1"))
    assert grants.allows(item("UpdateItem", "RATE#key_1"))
    # The counter's grant reaches no other item, and nothing else writes.
    assert not grants.allows(item("UpdateItem", "ORG#org_1#INC#inc_1"))
    assert not grants.allows(Call("dynamodb:UpdateItem", TABLE, ("RATE#key_1", "ORG#org_1#INC#inc_1")))
    assert not grants.allows(Call("dynamodb:UpdateItem", TABLE))  # keys unknown: not shown to be allowed
    for action in ("PutItem", "DeleteItem", "ConditionCheckItem", "BatchWriteItem"):
        assert not grants.allows(item(action, "RATE#key_1"))


def test_the_authorizer_only_gets_api_keys():
    grants = GRANTS["authorize_request"]

    assert grants.allows(item("GetItem", "KEY#key_1"))
    assert not grants.allows(item("GetItem", "ORG#org_1#INC#inc_1"))
    for action in ("Query", "BatchGetItem", "UpdateItem", "PutItem"):
        assert not grants.allows(item(action, "KEY#key_1"))


@pytest.mark.parametrize("function", sorted(GRANTS))
def test_no_function_may_scan_or_touch_another_table(function):
    grants = GRANTS[function]

    assert not grants.allows(Call("dynamodb:Scan", TABLE))
    assert not grants.allows(Call("dynamodb:Scan", TABLE + "/index/GSI1"))
    other = "arn:aws:dynamodb:us-east-1:123456789012:table/SomeoneElses"
    assert not grants.allows(item("GetItem", "KEY#key_1", other))


def test_only_list_routes_read_the_cursor_secret():
    secret = next(calls_of("secretsmanager", "GetSecretValue", {"SecretId": "whatever"}))
    readers = sorted(function for function, grants in GRANTS.items() if grants.allows(secret))

    assert readers == sorted(function for function in GRANTS if function.startswith("list_"))


def test_a_transaction_is_authorised_item_by_item():
    params = {
        "TransactItems": [
            {"Put": {"TableName": "t", "Item": {"PK": {"S": "ORG#o#INC#i"}, "SK": {"S": "INCIDENT"}}}},
            {"ConditionCheck": {"TableName": "t", "Key": {"PK": {"S": "ORG#o#SVC#s"}, "SK": {"S": "SERVICE"}}}},
            {"Update": {"TableName": "t", "Key": {"PK": {"S": "ORG#o"}, "SK": {"S": "INCIDENT_NUMBER"}}}},
        ]
    }

    assert sorted(call.action for call in calls_of("dynamodb", "TransactWriteItems", params)) == [
        "dynamodb:ConditionCheckItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]
    assert all(GRANTS["create_incident"].allows(call) for call in calls_of("dynamodb", "TransactWriteItems", params))
    assert not any(GRANTS["get_incident"].allows(call) for call in calls_of("dynamodb", "TransactWriteItems", params))


def test_an_explicit_deny_wins():
    allow = policy_statements(
        {"Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}, TEMPLATE["Resources"]
    )
    deny = policy_statements(
        {"Statement": [{"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"}]}, TEMPLATE["Resources"]
    )
    grants = Grants(tuple(allow + deny))

    assert grants.allows(item("PutItem", "X"))
    assert not grants.allows(item("DeleteItem", "X"))
