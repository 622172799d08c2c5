"""POST /api/v1/integrations/pagerduty/{integration_id}

PagerDuty Webhooks v3 (X-PagerDuty-Signature verified): incident.triggered and incident.resolved.
"""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.alerting import receivers

app = APIGatewayRestResolver(enable_validation=True)
handler = receivers.receiver(app, "pagerduty")
