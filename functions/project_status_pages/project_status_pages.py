"""The table's change stream → every affected status page's snapshot rebuilt (status_pages.projection)."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent, event_source

from flare import clock, settings
from flare.observability import logger, metrics
from flare.status_pages import projection

settings.settings().table()  # at cold start: a misconfigured function fails to start, naming the variable


@metrics.log_metrics
@event_source(data_class=DynamoDBStreamEvent)
def handler(event: DynamoDBStreamEvent, context: Any) -> dict[str, int]:
    changes = []
    for record in event.records:
        at = record.dynamodb.approximate_creation_date_time  # epoch seconds
        change = projection.change_of(
            record.dynamodb.keys["PK"],
            datetime.fromtimestamp(at, UTC) if at is not None else clock.now(),
            record.dynamodb.new_image,
        )
        if change is not None:
            changes.append(change)
    rebuilt = projection.project(changes)
    metrics.add_metric(name="StatusPagesRebuilt", unit=MetricUnit.Count, value=rebuilt)
    logger.info("status pages rebuilt", extra={"records": len(list(event.records)), "pages": rebuilt})
    return {"pages": rebuilt}
