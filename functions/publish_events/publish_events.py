"""The table's change stream → events on the EventBridge bus and deliveries on the outbound queue
(events.publishing; the catalogue: docs/events.md)."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent, event_source

from flare import settings
from flare.events import publishing
from flare.events.derivation import StreamChange
from flare.observability import logger, metrics

# At cold start: a misconfigured function fails to start, naming the variable.
for _required in ("event_bus_name", "outbound_queue_url"):
    settings.settings().required(_required)
settings.settings().table()


@metrics.log_metrics
@event_source(data_class=DynamoDBStreamEvent)
def handler(event: DynamoDBStreamEvent, context: Any) -> dict[str, int]:
    changes = [
        StreamChange(
            record_id=record.event_id,
            kind=record.event_name.name,
            pk=record.dynamodb.keys["PK"],
            sk=record.dynamodb.keys["SK"],
            old=record.dynamodb.old_image or None,
            new=record.dynamodb.new_image or None,
            at=datetime.fromtimestamp(record.dynamodb.approximate_creation_date_time or 0, UTC),
        )
        for record in event.records
    ]
    published = publishing.publish(changes)
    metrics.add_metric(name="EventsPublished", unit=MetricUnit.Count, value=published.events)
    metrics.add_metric(name="OutboundDeliveriesQueued", unit=MetricUnit.Count, value=published.deliveries)
    logger.info(
        "events published",
        extra={"records": len(changes), "events": published.events, "deliveries": published.deliveries},
    )
    return {"events": published.events, "deliveries": published.deliveries}
