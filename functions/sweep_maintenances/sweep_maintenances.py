"""The scheduler: on EventBridge's schedule (template.yaml), perform every due maintenance transition.

A maintenance that cannot be transitioned does not stop the others: every due one is attempted, the metrics and
log lines are written, and then the sweep raises `SweepFailed` naming the failed ones, so that Lambda counts the
invocation as an error (its Errors metric and the template's alarm). Nothing retries a failed sweep (template.yaml):
the next one, a minute later, finds the same due work again.
"""

from aws_lambda_powertools.metrics import MetricUnit

from flare.maintenances import use_cases as maintenances
from flare.observability import logger, metrics

MAX_ERROR_CHARS = 300  # of each failure in the exception's message; the log lines carry the whole error


class SweepFailed(Exception):
    """Some due maintenances could not be transitioned; the others were."""

    def __init__(self, failures: list[tuple[str, str]], transitions: int) -> None:
        self.failures = failures
        listed = "; ".join(f"{mid}: {error[:MAX_ERROR_CHARS]}" for mid, error in failures)
        super().__init__(
            f"{len(failures)} maintenance transition(s) failed ({transitions} done): {listed}",
        )


@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    report = maintenances.sweep()
    metrics.add_metric(name="MaintenanceTransitions", unit=MetricUnit.Count, value=len(report.transitions))
    metrics.add_metric(name="MaintenanceTransitionFailures", unit=MetricUnit.Count, value=len(report.failures))
    for maintenance_id, error in report.failures:
        logger.error("maintenance transition failed", extra={"maintenance_id": maintenance_id, "error": error})
    logger.info(
        "sweep",
        extra={
            "scheduled_time": event.get("time"),
            "transitions": report.transitions,
            "failures": len(report.failures),
        },
    )
    if report.failures:
        raise SweepFailed(report.failures, len(report.transitions))
    return {
        "transitions": [{"maintenance_id": mid, "action": action} for mid, action in report.transitions],
        "failures": [],
    }
