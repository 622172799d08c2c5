"""The scheduler: on EventBridge's schedule (template.yaml), perform every due maintenance transition."""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from flare import maintenances

logger = Logger(service="flare")
metrics = Metrics(namespace="Flare", service="flare")


@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    report = maintenances.sweep()
    metrics.add_metric(name="MaintenanceTransitions", unit=MetricUnit.Count, value=len(report.transitions))
    metrics.add_metric(name="MaintenanceTransitionFailures", unit=MetricUnit.Count, value=len(report.failures))
    for maintenance_id, error in report.failures:
        logger.error("maintenance transition failed", extra={"maintenance_id": maintenance_id, "error": error})
    logger.info("sweep", extra={"scheduled_time": event.get("time"), "transitions": report.transitions})
    return {
        "transitions": [{"maintenance_id": mid, "action": action} for mid, action in report.transitions],
        "failures": [{"maintenance_id": mid, "error": error} for mid, error in report.failures],
    }
