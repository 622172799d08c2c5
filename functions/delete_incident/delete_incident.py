"""DELETE /api/v1/incidents/{incident_id}: the incident and its messages are gone."""

from aws_lambda_powertools.event_handler import Response

from flare import http, incidents

app = http.create_app()


@app.delete("/api/v1/incidents/<incident_id>", summary="Delete an incident", status_code=204, tags=["incidents"])
def delete_incident(incident_id: str) -> Response[None]:
    incidents.delete_incident(http.caller("write:incidents"), incident_id)
    return http.json_response(204, None)


handler = http.lambda_handler(app)
