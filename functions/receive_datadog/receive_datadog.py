"""POST /api/v1/integrations/datadog/{integration_id}

A Datadog webhook using Flare's recommended payload template (README).
"""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.alerting import receivers

app = APIGatewayRestResolver(enable_validation=True)
handler = receivers.receiver(app, "datadog")
