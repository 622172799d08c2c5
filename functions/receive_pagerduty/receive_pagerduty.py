"""POST /api/v1/integrations/pagerduty/{integration_id}

PagerDuty Webhooks v3 (X-PagerDuty-Signature verified): incident.triggered and incident.resolved.
"""

from flare import receivers

app, handler = receivers.receiver("pagerduty")
