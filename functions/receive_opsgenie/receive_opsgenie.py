"""POST /api/v1/integrations/opsgenie/{integration_id}

An Opsgenie webhook integration: actions Create and Close, deduplicated on the alert's alias.
"""

from flare import receivers

app, handler = receivers.receiver("opsgenie")
