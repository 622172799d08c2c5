"""POST /api/v1/integrations/grafana/{integration_id}

Grafana alerting's webhook contact point (with X-Grafana-Alerting-Signature verified when the integration
has a signing secret).
"""

from flare import receivers

app, handler = receivers.receiver("grafana")
