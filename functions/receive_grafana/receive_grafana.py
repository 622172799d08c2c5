"""POST /api/v1/integrations/grafana/{integration_id}

Grafana alerting's webhook contact point (with X-Grafana-Alerting-Signature verified when the integration
has a signing secret).
"""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.alerting import receivers

app = APIGatewayRestResolver(enable_validation=True)
handler = receivers.receiver(app, "grafana")
