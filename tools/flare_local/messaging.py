"""The template's EventBridge bus and SQS queues made in moto, as CloudFormation would make them, under local names.

`create_messaging_from_template` makes each AWS::Events::EventBus and AWS::SQS::Queue of the template with the
properties the template gives (FIFO, visibility, retention, redrive), named `<prefix>-<logical id>` (`.fifo` for
FIFO queues), and answers what the functions' environment says for them (the bus's name, the queue's URL).
"""

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flare_local.template import DEFAULT_TEMPLATE, load_template, referenced_resource, resources_of_type

# CloudFormation property → SQS attribute, for the properties the template uses.
_QUEUE_ATTRIBUTES = {
    "FifoQueue": "FifoQueue",
    "ContentBasedDeduplication": "ContentBasedDeduplication",
    "DeduplicationScope": "DeduplicationScope",
    "FifoThroughputLimit": "FifoThroughputLimit",
    "VisibilityTimeout": "VisibilityTimeout",
    "MessageRetentionPeriod": "MessageRetentionPeriod",
    "SqsManagedSseEnabled": "SqsManagedSseEnabled",
}
_IGNORED = {"QueueName"}  # named here instead


@dataclass
class Messaging:
    """What was made: by logical id, each bus's name and each queue's URL and ARN."""

    buses: dict[str, str] = field(default_factory=dict)
    queue_urls: dict[str, str] = field(default_factory=dict)
    queue_arns: dict[str, str] = field(default_factory=dict)

    def value_of(self, logical_id: str) -> str:
        """What `!Ref <logical id>` is in the functions' environment: a bus's name, a queue's URL."""
        return self.buses.get(logical_id) or self.queue_urls[logical_id]


def create_messaging_from_template(
    events_client: Any, sqs_client: Any, prefix: str, template_path: str | Path = DEFAULT_TEMPLATE
) -> Messaging:
    template = load_template(template_path)
    made = Messaging()
    for logical_id in resources_of_type(template, "AWS::Events::EventBus"):
        name = f"{prefix}-{logical_id}"
        with contextlib.suppress(events_client.exceptions.ResourceAlreadyExistsException):
            events_client.create_event_bus(Name=name)
        made.buses[logical_id] = name
    queues = resources_of_type(template, "AWS::SQS::Queue")
    # Dead-letter queues first: a redrive policy names its target's ARN.
    ordered = sorted(queues, key=lambda logical: "RedrivePolicy" in (queues[logical].get("Properties") or {}))
    for logical_id in ordered:
        props = queues[logical_id].get("Properties") or {}
        fifo = bool(props.get("FifoQueue"))
        attributes = {}
        for name, value in props.items():
            if name in _IGNORED:
                continue
            if name == "RedrivePolicy":
                target = referenced_resource(value["deadLetterTargetArn"])
                attributes["RedrivePolicy"] = json.dumps(
                    {"deadLetterTargetArn": made.queue_arns[target], "maxReceiveCount": int(value["maxReceiveCount"])}
                )
            elif name in _QUEUE_ATTRIBUTES:
                attributes[_QUEUE_ATTRIBUTES[name]] = str(value).lower() if isinstance(value, bool) else str(value)
            else:
                raise ValueError(f"{logical_id}: the local stack does not make queues with {name}")
        queue_name = f"{prefix}-{logical_id}" + (".fifo" if fifo else "")
        url = sqs_client.create_queue(QueueName=queue_name, Attributes=attributes)["QueueUrl"]
        made.queue_urls[logical_id] = url
        made.queue_arns[logical_id] = sqs_client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
    return made


def delete_messaging(events_client: Any, sqs_client: Any, made: Messaging) -> None:
    for url in made.queue_urls.values():
        sqs_client.delete_queue(QueueUrl=url)
    for name in made.buses.values():
        events_client.delete_event_bus(Name=name)
