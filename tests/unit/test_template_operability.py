"""The deployed stack is operable: every function is watched by an alarm and logs to a log group that expires.

These read template.yaml, so a function added later without its alarms or its log group fails here."""

import copy
import re
from collections import defaultdict
from typing import Any

import pytest

from flare_local.template import (
    DEFAULT_TEMPLATE,
    Intrinsic,
    load_template,
    referenced_resource,
    resources_of_type,
)

TEMPLATE = load_template(DEFAULT_TEMPLATE)
FUNCTIONS = resources_of_type(TEMPLATE, "AWS::Serverless::Function")
ALARMS = resources_of_type(TEMPLATE, "AWS::CloudWatch::Alarm")
LOG_GROUPS = resources_of_type(TEMPLATE, "AWS::Logs::LogGroup")
MAX_METRICS_PER_ALARM = 10  # CloudWatch's limit for a metric math alarm
RECEIVERS = [
    "ReceiveAlertmanagerFunction",
    "ReceiveGrafanaFunction",
    "ReceiveDatadogFunction",
    "ReceivePagerdutyFunction",
    "ReceiveOpsgenieFunction",
    "ReceiveSlackCommandFunction",
]


def _metric_stats(alarm: dict[str, Any]) -> list[tuple[str | None, dict[str, Any]]]:
    """(metric id, metric) of every metric an alarm reads: its single metric, or each MetricStat of its metric
    math. A metric is {"Namespace", "MetricName", "Dimensions"}."""
    props = alarm["Properties"]
    if "MetricName" in props:
        return [(None, {key: props.get(key) for key in ("Namespace", "MetricName", "Dimensions")})]
    return [(query["Id"], query["MetricStat"]["Metric"]) for query in props.get("Metrics", []) if "MetricStat" in query]


def _dimension(metric: dict[str, Any], name: str) -> Any:
    return next((d["Value"] for d in metric.get("Dimensions") or [] if d["Name"] == name), None)


def lambda_alarm_coverage(template: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    """(function logical id, AWS/Lambda metric name) -> the alarms that read that metric of that function."""
    coverage: dict[tuple[str, str], list[str]] = defaultdict(list)
    for alarm_id, alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").items():
        for _metric_id, metric in _metric_stats(alarm):
            function = referenced_resource(_dimension(metric, "FunctionName"))
            if metric.get("Namespace") == "AWS/Lambda" and function:
                coverage[(function, metric["MetricName"])].append(alarm_id)
    return coverage


def functions_not_alarmed_once(template: dict[str, Any]) -> list[str]:
    """Each function not covered by exactly one Errors alarm and exactly one Throttles alarm, with its count."""
    coverage = lambda_alarm_coverage(template)
    return [
        f"{function} {metric}: {coverage.get((function, metric), [])}"
        for function in resources_of_type(template, "AWS::Serverless::Function")
        for metric in ("Errors", "Throttles")
        if len(coverage.get((function, metric), [])) != 1
    ]


def _ref(value: Any) -> str | None:
    """The logical id behind !Ref / !GetAtt, or behind the one ${Name} of a !Sub naming a resource."""
    if found := referenced_resource(value):
        return found
    if isinstance(value, Intrinsic) and value.name == "Sub" and isinstance(value.value, str):
        names = [name for name in re.findall(r"\$\{([^}.!]+)\}", value.value) if not name.startswith("AWS::")]
        return names[0] if len(names) == 1 else None
    return None


# ---- alarms ------------------------------------------------------------------------------------------------


def test_every_function_has_exactly_one_errors_and_one_throttles_alarm():
    assert FUNCTIONS, "no functions found in template.yaml"
    assert functions_not_alarmed_once(TEMPLATE) == []


def test_a_function_added_without_alarms_is_caught():
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["NewRouteFunction"] = copy.deepcopy(FUNCTIONS["GetIncidentFunction"])
    assert functions_not_alarmed_once(template) == ["NewRouteFunction Errors: []", "NewRouteFunction Throttles: []"]

    # Counted twice is as wrong as not at all (one failure, two pages).
    template = copy.deepcopy(TEMPLATE)
    doubled = copy.deepcopy(ALARMS["IncidentFunctionsErrorsAlarm"])
    template["Resources"]["AnotherErrorsAlarm"] = doubled
    assert "CreateIncidentFunction Errors: ['IncidentFunctionsErrorsAlarm', 'AnotherErrorsAlarm']" in (
        functions_not_alarmed_once(template)
    )


def test_every_alarm_notifies_the_alarm_topic_on_alarm_and_on_recovery():
    assert resources_of_type(TEMPLATE, "AWS::SNS::Topic").keys() == {"AlarmTopic"}
    for alarm_id, alarm in ALARMS.items():
        props = alarm["Properties"]
        for actions in ("AlarmActions", "OKActions"):
            assert [referenced_resource(action) for action in props.get(actions, [])] == ["AlarmTopic"], alarm_id
        assert props.get("TreatMissingData") in ("notBreaching", "breaching"), f"{alarm_id}: say what absence means"


@pytest.mark.parametrize(
    "alarm_id", sorted(alarm_id for alarm_id in ALARMS if "Metrics" in ALARMS[alarm_id]["Properties"])
)
def test_metric_math_alarms_sum_every_metric_they_read_within_cloudwatchs_limit(alarm_id):
    queries = ALARMS[alarm_id]["Properties"]["Metrics"]
    stats = [query for query in queries if "MetricStat" in query]
    expressions = [query for query in queries if "Expression" in query]
    assert len(stats) <= MAX_METRICS_PER_ALARM, f"{alarm_id} reads {len(stats)} metrics"
    assert len(expressions) == 1 and expressions[0].get("ReturnData", True), "one expression, the alarm's value"
    assert all(query.get("ReturnData") is False for query in stats)
    used = set(re.findall(r"[a-z][A-Za-z0-9_]*", expressions[0]["Expression"]))
    assert {query["Id"] for query in stats} <= used, f"{alarm_id} reads metrics its expression ignores"
    assert len({query["Id"] for query in queries}) == len(queries)


def test_the_alert_receivers_have_their_own_alarms():
    coverage = lambda_alarm_coverage(TEMPLATE)
    for metric in ("Errors", "Throttles"):
        assert {alarm for receiver in RECEIVERS for alarm in coverage[(receiver, metric)]} == {
            f"ReceiverFunctions{metric}Alarm"
        }


def _single_metric_alarm(metric_name: str, function: str | None = None) -> dict[str, Any]:
    (found,) = [
        alarm["Properties"]
        for alarm in ALARMS.values()
        if alarm["Properties"].get("MetricName") == metric_name
        and (function is None or referenced_resource(_dimension(alarm["Properties"], "FunctionName")) == function)
    ]
    return found


def test_the_scheduler_is_alarmed_on_failed_transitions_and_on_not_running():
    # functions/sweep_maintenances emits it with Powertools Metrics: namespace Flare, dimension service=flare.
    failures = _single_metric_alarm("MaintenanceTransitionFailures")
    assert (failures["Namespace"], failures["Dimensions"]) == ("Flare", [{"Name": "service", "Value": "flare"}])
    assert (failures["ComparisonOperator"], failures["Threshold"]) == ("GreaterThanThreshold", 0)
    assert failures["TreatMissingData"] == "notBreaching"
    not_running = _single_metric_alarm("Invocations", "SweepMaintenancesFunction")
    assert not_running["TreatMissingData"] == "breaching"  # no invocation at all is the failure here


def test_dynamodb_alarms_cover_throttling_and_system_errors_of_the_operations_used():
    metrics = [metric for alarm in ALARMS.values() for _id, metric in _metric_stats(alarm)]
    table = [metric for metric in metrics if metric["Namespace"] == "AWS/DynamoDB"]
    assert all(referenced_resource(_dimension(metric, "TableName")) == "FlareTable" for metric in table)
    throttled = {
        (m["MetricName"], _dimension(m, "GlobalSecondaryIndexName")) for m in table if "Throttle" in m["MetricName"]
    }
    indexes = [
        index["IndexName"] for index in TEMPLATE["Resources"]["FlareTable"]["Properties"]["GlobalSecondaryIndexes"]
    ]
    assert throttled == {
        (name, index) for name in ("ReadThrottleEvents", "WriteThrottleEvents") for index in [None, *indexes]
    }
    operations = {_dimension(m, "Operation") for m in table if m["MetricName"] == "SystemErrors"}
    assert operations == {
        "GetItem",
        "Query",
        "BatchGetItem",
        "UpdateItem",
        "PutItem",
        "DeleteItem",
        "TransactWriteItems",
        "BatchWriteItem",
    }


# ---- logs --------------------------------------------------------------------------------------------------


def _expiring_log_group(logical_id: str | None) -> bool:
    group = LOG_GROUPS.get(logical_id or "")
    return bool(
        group
        and group["Properties"].get("RetentionInDays") is not None
        and group.get("DeletionPolicy", "Delete") == "Delete"
    )


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_function_logs_to_a_log_group_of_the_template_that_expires(function):
    global_config = ((TEMPLATE.get("Globals") or {}).get("Function") or {}).get("LoggingConfig") or {}
    config = FUNCTIONS[function]["Properties"].get("LoggingConfig") or global_config
    group = _ref(config.get("LogGroup"))
    assert _expiring_log_group(group), f"{function} logs to {group!r}: not a template log group with RetentionInDays"
    assert config.get("LogFormat") == "JSON"


def test_the_api_stage_writes_access_logs_to_a_log_group_that_expires():
    (api,) = resources_of_type(TEMPLATE, "AWS::Serverless::Api").values()
    access_log = api["Properties"]["AccessLogSetting"]
    assert _expiring_log_group(_ref(access_log["DestinationArn"]))
    for variable in (
        "requestId",
        "identity.sourceIp",
        "authorizer.principalId",
        "httpMethod",
        "resourcePath",
        "status",
        "protocol",
        "responseLength",
        "integrationLatency",
        "error.message",
    ):
        assert f"$context.{variable}" in access_log["Format"]


def test_the_apis_5xx_rate_is_alarmed_on_its_deployed_stage():
    (api_id, api) = next(iter(resources_of_type(TEMPLATE, "AWS::Serverless::Api").items()))
    alarms = [
        alarm
        for alarm in ALARMS.values()
        if any(
            metric.get("Namespace") == "AWS/ApiGateway" and metric.get("MetricName") == "5XXError"
            for _id, metric in _metric_stats(alarm)
        )
    ]
    assert len(alarms) == 1, "one alarm on the API's 5XX answers"
    (alarm,) = alarms
    metrics = {metric["MetricName"]: metric for _id, metric in _metric_stats(alarm)}
    assert set(metrics) == {"5XXError", "Count"}  # a rate: errors over requests, not a bare count
    for metric in metrics.values():
        # API Gateway publishes per API name and stage: a dimension that names neither matches no data, ever.
        assert _dimension(metric, "ApiName") == api["Properties"]["Name"]
        assert _dimension(metric, "Stage") == Intrinsic("Ref", f"{api_id}.Stage")
    assert alarm["Properties"]["TreatMissingData"] == "notBreaching"


def test_the_api_is_regional_throttled_and_has_no_second_stage():
    (api,) = resources_of_type(TEMPLATE, "AWS::Serverless::Api").values()
    props = api["Properties"]
    assert props["EndpointConfiguration"] == "REGIONAL"
    # Without an OpenApiVersion SAM adds a public stage named "Stage" beside StageName, outside these settings.
    openapi_version = props.get("OpenApiVersion") or TEMPLATE["Globals"]["Api"]["OpenApiVersion"]
    assert str(openapi_version).startswith("3.")
    (every_route,) = [s for s in props["MethodSettings"] if s["ResourcePath"] == "/*" and s["HttpMethod"] == "*"]
    assert referenced_resource(every_route["ThrottlingRateLimit"]) == "ApiThrottlingRateLimit"
    assert referenced_resource(every_route["ThrottlingBurstLimit"]) == "ApiThrottlingBurstLimit"
    for name in ("ApiThrottlingRateLimit", "ApiThrottlingBurstLimit"):
        assert TEMPLATE["Parameters"][name]["Default"] > 0


def test_the_table_survives_a_mistaken_delete():
    (table,) = resources_of_type(TEMPLATE, "AWS::DynamoDB::Table").values()
    assert table["Properties"]["DeletionProtectionEnabled"] is True  # refused by DynamoDB while the stack lives
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"  # kept when the stack goes


def test_log_retention_is_a_parameter_of_values_cloudwatch_accepts():
    parameter = TEMPLATE["Parameters"]["LogRetentionDays"]
    assert parameter["Default"] in parameter["AllowedValues"]
    for group in LOG_GROUPS.values():
        assert referenced_resource(group["Properties"]["RetentionInDays"]) == "LogRetentionDays"


# ---- the scheduler and the receivers -----------------------------------------------------------------------


def test_sweeps_cannot_pile_up():
    sweep = FUNCTIONS["SweepMaintenancesFunction"]["Properties"]
    ((event_name, event),) = [(name, e) for name, e in sweep["Events"].items() if e["Type"] == "Schedule"]
    match = re.fullmatch(r"rate\((\d+) minutes?\)", event["Properties"]["Schedule"])
    assert match, event_name
    assert sweep["Timeout"] < int(match[1]) * 60, "a sweep must end before the next one starts"
    assert event["Properties"]["RetryPolicy"]["MaximumRetryAttempts"] == 0  # EventBridge does not retry it
    assert sweep["EventInvokeConfig"]["MaximumRetryAttempts"] == 0  # nor does Lambda's asynchronous queue


@pytest.mark.parametrize("function", RECEIVERS)
def test_alert_receivers_reserve_concurrency_unless_the_parameter_says_0(function):
    reserved = FUNCTIONS[function]["Properties"]["ReservedConcurrentExecutions"]
    assert reserved == Intrinsic(
        "If",
        [
            "ReservesReceiverConcurrency",
            Intrinsic("Ref", "ReceiverReservedConcurrency"),
            Intrinsic("Ref", "AWS::NoValue"),
        ],
    )
    assert "100" in TEMPLATE["Parameters"]["ReceiverReservedConcurrency"]["Description"]  # Lambda's floor, said
