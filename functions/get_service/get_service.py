"""GET /api/v1/services/{service_id}: the service with its computed status."""

from aws_lambda_powertools.event_handler import Response

from flare import http, services
from flare.models import ServiceOut
from flare.preconditions import etag

app = http.create_app()


@app.get("/api/v1/services/<service_id>", summary="Get a service", tags=["services"])
def get_service(service_id: str) -> Response[ServiceOut]:
    service = services.get_service(http.caller("read:incidents"), service_id)
    return http.json_response(200, service, {"ETag": etag(service.version)})


handler = http.lambda_handler(app)
