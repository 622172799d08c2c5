"""POST /api/v1/integrations/alertmanager/{integration_id}

Prometheus Alertmanager's webhook (payload version 4; also Grafana's Alertmanager-compatible contact point).
"""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.alerting import receivers

app = APIGatewayRestResolver(enable_validation=True)
handler = receivers.receiver(app, "alertmanager")
