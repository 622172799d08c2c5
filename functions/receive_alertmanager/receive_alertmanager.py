"""POST /api/v1/integrations/alertmanager/{integration_id}

Prometheus Alertmanager's webhook (payload version 4; also Grafana's Alertmanager-compatible contact point).
"""

from flare import receivers

app, handler = receivers.receiver("alertmanager")
