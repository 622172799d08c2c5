"""POST /api/v1/integrations/opsgenie/{integration_id}

An Opsgenie webhook integration: actions Create and Close, deduplicated on the alert's alias.
"""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.alerting import receivers

app = APIGatewayRestResolver(enable_validation=True)
handler = receivers.receiver(app, "opsgenie")
