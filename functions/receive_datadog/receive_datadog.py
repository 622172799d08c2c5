"""POST /api/v1/integrations/datadog/{integration_id}

A Datadog webhook using Flare's recommended payload template (README).
"""

from flare import receivers

app, handler = receivers.receiver("datadog")
