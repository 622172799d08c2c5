"""Any other method on one of the API's paths: 405 with `Allow`. API Gateway sends a path's methods to their
functions and everything else to the path's ANY method, which is this function (template.yaml); without it,
API Gateway would answer 403 (our 404 gateway response) as if the path did not exist."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from flare.errors import MethodNotAllowed
from flare.http.entry import lambda_handler, request_id
from flare.http.responses import problem

# The methods each path serves; tests/integration/test_method_not_allowed.py holds this to template.yaml.
ALLOWED: dict[str, tuple[str, ...]] = {
    "/api/v1/api-keys": ("GET", "POST"),
    "/api/v1/api-keys/{key_id}": ("DELETE",),
    "/api/v1/incidents": ("GET", "POST"),
    "/api/v1/incidents/from-metric/{metric_id}": ("POST",),
    "/api/v1/incidents/{incident_id}": ("DELETE", "GET", "PATCH"),
    "/api/v1/incidents/{incident_id}/messages": ("GET", "POST"),
    "/api/v1/incidents/{incident_id}/publish": ("POST",),
    "/api/v1/incidents/{incident_id}/resolve": ("POST",),
    "/api/v1/integrations": ("GET", "POST"),
    "/api/v1/integrations/alertmanager/{integration_id}": ("POST",),
    "/api/v1/integrations/datadog/{integration_id}": ("POST",),
    "/api/v1/integrations/grafana/{integration_id}": ("POST",),
    "/api/v1/integrations/opsgenie/{integration_id}": ("POST",),
    "/api/v1/integrations/pagerduty/{integration_id}": ("POST",),
    "/api/v1/integrations/slack/commands": ("POST",),
    "/api/v1/integrations/{integration_id}": ("DELETE", "GET", "PATCH"),
    "/api/v1/maintenances": ("GET", "POST"),
    "/api/v1/maintenances/{maintenance_id}": ("GET", "PATCH"),
    "/api/v1/maintenances/{maintenance_id}/cancel": ("POST",),
    "/api/v1/maintenances/{maintenance_id}/complete": ("POST",),
    "/api/v1/maintenances/{maintenance_id}/start": ("POST",),
    "/api/v1/metrics": ("GET", "POST"),
    "/api/v1/metrics/{metric_id}": ("DELETE", "GET", "PATCH"),
    "/api/v1/services": ("GET", "POST"),
    "/api/v1/services/{service_id}": ("DELETE", "GET", "PATCH"),
    "/api/v1/status-pages": ("GET", "POST"),
    "/api/v1/status-pages/{status_page_id}": ("DELETE", "GET", "PATCH"),
    "/api/v1/webhooks": ("GET", "POST"),
    "/api/v1/webhooks/{webhook_id}": ("DELETE", "GET", "PATCH"),
    "/api/v1/webhooks/{webhook_id}/rotate-secret": ("POST",),
    "/api/v1/webhooks/{webhook_id}/deliveries": ("GET",),
    "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver": ("POST",),
    "/status/{slug}": ("GET",),
    "/status/{slug}/incidents/{record}": ("GET",),
    "/status/{slug}/history": ("GET",),
    "/status/{slug}/history.atom": ("GET",),
    "/status/{slug}/history.rss": ("GET",),
    "/status/{slug}/api/v2/summary.json": ("GET",),
    "/status/{slug}/api/v2/status.json": ("GET",),
    "/status/{slug}/api/v2/components.json": ("GET",),
    "/status/{slug}/api/v2/incidents.json": ("GET",),
    "/status/{slug}/api/v2/incidents/unresolved.json": ("GET",),
    "/status/{slug}/api/v2/scheduled-maintenances.json": ("GET",),
    "/status/{slug}/api/v2/scheduled-maintenances/upcoming.json": ("GET",),
    "/status/{slug}/api/v2/scheduled-maintenances/active.json": ("GET",),
}

app = APIGatewayRestResolver(enable_validation=True)


@app.not_found  # this resolver has no routes: every request it gets is a method its path does not serve
def method_not_allowed(_error: Exception):
    event = app.current_event
    allowed = ALLOWED.get(event.resource, ())
    return problem(MethodNotAllowed(event.http_method, event.path, allowed), request_id(app))


handler = lambda_handler(app, reads_body=False)
