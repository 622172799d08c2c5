"""The outbound queue → deliveries made: webhooks and Slack posts (events.outbound), each group of a batch in its
own thread so that a slow receiver holds up only its own group. Messages that must wait (a retry, a rate limit)
are reported as failed items: the queue keeps them, in flight for as long as they wait."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SQSEvent, event_source

from flare import settings
from flare.events.outbound import Queued, deliver_batch
from flare.observability import logger, metrics

settings.settings().required("outbound_queue_url")  # at cold start: a misconfigured function fails to start
settings.settings().table()


@metrics.log_metrics
@event_source(data_class=SQSEvent)
def handler(event: SQSEvent, context: Any) -> dict[str, list[dict[str, str]]]:
    messages = [
        Queued(
            message_id=record.message_id,
            group=record.attributes.message_group_id or record.message_id,
            receipt_handle=record.receipt_handle,
            body=record.body,
            received=int(record.attributes.approximate_receive_count or 1),
        )
        for record in event.records
    ]
    kept = deliver_batch(messages, lambda: context.get_remaining_time_in_millis() / 1000)
    metrics.add_metric(name="OutboundMessagesHandled", unit=MetricUnit.Count, value=len(messages) - len(kept))
    metrics.add_metric(name="OutboundMessagesWaiting", unit=MetricUnit.Count, value=len(kept))
    logger.info("outbound batch", extra={"messages": len(messages), "kept": len(kept)})
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in kept]}
