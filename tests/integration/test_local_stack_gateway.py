"""The local stack's API Gateway and locked DynamoDB, driven with a tiny throwaway template and functions."""

import http.client
import textwrap
import threading
import time
import uuid

import httpx
import pytest

from flare_local.dynamodb import LockedMotoServer, OneRequestAtATime, create_table_from_template
from flare_local.gateway import LocalGateway
from flare_local.template import DEFAULT_TEMPLATE, load_template

PROBLEM = "'application/problem+json'"
TEMPLATE = f"""
Globals:
  Function:
    Timeout: 5
    Environment:
      Variables:
        TABLE_NAME: !Ref Table
        GREETING: hello
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: live
      Auth:
        DefaultAuthorizer: KeyAuthorizer
        Authorizers:
          KeyAuthorizer:
            FunctionArn: !GetAtt AuthorizeFunction.Arn
            FunctionPayloadType: REQUEST
            Identity:
              Headers: [Authorization]
      GatewayResponses:
        UNAUTHORIZED:
          StatusCode: "401"
          ResponseParameters:
            Headers: {{Content-Type: "{PROBLEM}", WWW-Authenticate: "'Bearer'"}}
          ResponseTemplates:
            application/json: '{{"title": "Unauthorized", "request_id": "$context.requestId"}}'
        ACCESS_DENIED:
          StatusCode: "401"
          ResponseParameters:
            Headers: {{Content-Type: "{PROBLEM}"}}
          ResponseTemplates:
            application/json: '{{"title": "Denied", "request_id": "$context.requestId"}}'
        MISSING_AUTHENTICATION_TOKEN:
          StatusCode: "404"
          ResponseParameters:
            Headers: {{Content-Type: "{PROBLEM}"}}
          ResponseTemplates:
            application/json: '{{"title": "Not Found", "status": 404, "request_id": "$context.requestId"}}'
        DEFAULT_5XX:
          StatusCode: "503"
          ResponseParameters:
            Headers: {{Content-Type: "{PROBLEM}"}}
          ResponseTemplates:
            application/json: '{{"title": "Unavailable", "detail": $context.error.messageString}}'
  AuthorizeFunction:
    Type: AWS::Serverless::Function
    Properties: {{CodeUri: fns/authorize/, Handler: lst_authorize.handler}}
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/echo/
      Handler: lst_echo.handler
      Events:
        One: {{Type: Api, Properties: {{RestApiId: !Ref Api, Path: "/things/{{thing_id}}", Method: get}}}}
        Mine: {{Type: Api, Properties: {{RestApiId: !Ref Api, Path: /things/mine, Method: get}}}}
        Public:
          Type: Api
          Properties: {{RestApiId: !Ref Api, Path: /public, Method: get, Auth: {{Authorizer: NONE}}}}
  BoomFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fns/boom/
      Handler: lst_boom.handler
      Events:
        Api: {{Type: Api, Properties: {{RestApiId: !Ref Api, Path: "/things/{{thing_id}}", Method: post}}}}
"""
FUNCTIONS = {
    "fns/authorize/lst_authorize.py": """
        def handler(event, context):
            token = event["headers"]["Authorization"].removeprefix("Bearer ")
            if token == "bad":
                raise Exception("Unauthorized")
            if token == "crash":
                raise RuntimeError("authorizer bug")
            effect, resource = {
                "good": ("Allow", event["methodArn"]),
                "deny": ("Deny", event["methodArn"]),
                "narrow": ("Allow", "arn:aws:execute-api:*:*:*/live/GET/things/*"),
            }[token]
            statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}
            return {
                "principalId": "key_1",
                "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
                "context": {"organisation_id": "org_1", "admin": True, "rank": 7},
            }
    """,
    "fns/echo/lst_echo.py": """
        import json, os

        def handler(event, context):
            seen = {
                "event": event,
                "table": os.environ["TABLE_NAME"],
                "greeting": os.environ["GREETING"],
                "function": context.function_name,
                "remaining_ms": context.get_remaining_time_in_millis(),
            }
            return {"statusCode": 200, "multiValueHeaders": {"X-Seen": ["a", "b"]}, "body": json.dumps(seen)}
    """,
    "fns/boom/lst_boom.py": """
        def handler(event, context):
            raise ValueError("handler bug")
    """,
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("api")
    (root / "template.yaml").write_text(TEMPLATE)
    for path, source in FUNCTIONS.items():
        (root / path).parent.mkdir(parents=True)
        (root / path).write_text(textwrap.dedent(source))
    gateway = LocalGateway(root / "template.yaml", environment={"TABLE_NAME": "things"})
    with gateway, httpx.Client(base_url=gateway.base_url) as client:
        yield client


def echo(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()["event"]


def test_routes_with_path_parameters_and_literal_segments(api: httpx.Client) -> None:
    event = echo(api.get("/things/a%20b", headers={"Authorization": "Bearer good"}))
    assert event["resource"] == "/things/{thing_id}"
    assert event["path"] == "/things/a%20b"
    assert event["pathParameters"] == {"thing_id": "a b"}
    assert event["requestContext"]["resourcePath"] == "/things/{thing_id}"
    assert event["requestContext"]["stage"] == "live"

    mine = echo(api.get("/things/mine", headers={"Authorization": "Bearer good"}))
    assert mine["resource"] == "/things/mine"
    assert mine["pathParameters"] is None


def test_query_strings_keep_every_value_of_a_repeated_key(api: httpx.Client) -> None:
    event = echo(api.get("/public?status=open&status=closed&q=a%26b"))
    assert event["queryStringParameters"] == {"status": "closed", "q": "a&b"}
    assert event["multiValueQueryStringParameters"] == {"status": ["open", "closed"], "q": ["a&b"]}
    assert echo(api.get("/public"))["queryStringParameters"] is None


def test_handler_sees_the_event_context_and_environment(api: httpx.Client) -> None:
    response = api.get("/public", headers={"X-Thing": "1"})
    seen = response.json()
    assert seen["table"] == "things" and seen["greeting"] == "hello"
    assert seen["function"] == "EchoFunction" and 0 < seen["remaining_ms"] <= 5000
    assert seen["event"]["headers"]["X-Thing"] == "1"
    assert seen["event"]["multiValueHeaders"]["X-Thing"] == ["1"]
    assert seen["event"]["body"] is None and seen["event"]["isBase64Encoded"] is False
    assert seen["event"]["requestContext"]["requestId"] == response.headers["x-amzn-requestid"]
    assert response.headers.get_list("x-seen") == ["a", "b"]


def test_unknown_path_or_method_is_the_templates_404_problem(api: httpx.Client) -> None:
    for response in (api.get("/nowhere"), api.delete("/things/1", headers={"Authorization": "Bearer good"})):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json() == {
            "title": "Not Found",
            "status": 404,
            "request_id": response.headers["x-amzn-requestid"],
        }


@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}, {"Authorization": "Bearer bad"}])
def test_no_or_bad_key_is_unauthorized(api: httpx.Client, headers: dict[str, str]) -> None:
    response = api.get("/things/1", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["title"] == "Unauthorized"


def test_allow_passes_the_authorizer_context_to_the_handler(api: httpx.Client) -> None:
    event = echo(api.get("/things/1", headers={"Authorization": "Bearer good"}))
    authorizer = event["requestContext"]["authorizer"]
    # REST APIs hand context values over as strings.
    assert authorizer | {"integrationLatency": 0} == {
        "organisation_id": "org_1",
        "admin": "true",
        "rank": "7",
        "principalId": "key_1",
        "integrationLatency": 0,
    }


def test_policy_resources_may_use_wildcards(api: httpx.Client) -> None:
    assert api.get("/things/1", headers={"Authorization": "Bearer narrow"}).status_code == 200
    denied = api.post("/things/1", headers={"Authorization": "Bearer narrow"})
    assert (denied.status_code, denied.json()["title"]) == (401, "Denied")
    assert api.get("/things/1", headers={"Authorization": "Bearer deny"}).json()["title"] == "Denied"


@pytest.mark.parametrize(("method", "token"), [("POST", "good"), ("GET", "crash")])
def test_a_failing_function_is_the_templates_5xx_problem(api: httpx.Client, method: str, token: str) -> None:
    response = api.request(method, "/things/1", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.json() == {"title": "Unavailable", "detail": "Internal server error"}


def test_request_over_10_mb_is_refused_unread(api: httpx.Client) -> None:
    connection = http.client.HTTPConnection(api.base_url.host, api.base_url.port, timeout=5)
    connection.putrequest("POST", "/things/1")
    connection.putheader("Content-Length", str(10 * 1024 * 1024 + 1))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413
    connection.close()


def test_binary_request_bodies_arrive_base64_encoded(api: httpx.Client) -> None:
    event = echo(api.request("GET", "/public", content=b"\xff\x00"))
    assert (event["body"], event["isBase64Encoded"]) == ("/wA=", True)


@pytest.fixture(scope="module")
def dynamodb():
    with LockedMotoServer() as server:
        yield server


def test_table_is_created_from_the_templates_definition(dynamodb: LockedMotoServer) -> None:
    client = dynamodb.client()
    name = f"flare-{uuid.uuid4().hex[:8]}"
    table = create_table_from_template(client, name, DEFAULT_TEMPLATE)
    declared = load_template(DEFAULT_TEMPLATE)["Resources"]["FlareTable"]["Properties"]["GlobalSecondaryIndexes"]
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == [i["IndexName"] for i in declared]
    assert len(declared) >= 1
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"]["StreamEnabled"] is True
    ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_concurrent_conditional_puts_have_exactly_one_winner(dynamodb: LockedMotoServer) -> None:
    client = dynamodb.client(max_pool_connections=50)
    name = f"race-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    start, outcomes = threading.Barrier(50), []

    def put(n: int) -> None:
        start.wait()
        try:
            client.put_item(
                TableName=name,
                Item={"PK": {"S": "the-key"}, "writer": {"N": str(n)}},
                ConditionExpression="attribute_not_exists(PK)",
            )
            outcomes.append("won")
        except client.exceptions.ConditionalCheckFailedException:
            outcomes.append("lost")

    threads = [threading.Thread(target=put, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["lost"] * 49 + ["won"]


def test_the_lock_covers_the_whole_wsgi_call_body_included() -> None:
    inside, most_inside, counting = 0, 0, threading.Lock()

    def app(environ, start_response):
        nonlocal inside, most_inside
        with counting:
            inside += 1
            most_inside = max(most_inside, inside)
        start_response("200 OK", [])
        yield b"body"
        time.sleep(0.002)  # still inside the app while the body is produced
        with counting:
            inside -= 1

    locked = OneRequestAtATime(app)
    threads = [threading.Thread(target=locked, args=({}, lambda *_: None)) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most_inside == 1
