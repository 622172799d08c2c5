"""DELETE /api/v1/metrics/{metric_id} (admin; the incidents filed from it stay)."""

from aws_lambda_powertools.event_handler import Response

from flare import http, metrics

app = http.create_app()


@app.delete("/api/v1/metrics/<metric_id>", summary="Delete a metric", status_code=204, tags=["metrics"])
def delete_metric(metric_id: str) -> Response[None]:
    metrics.delete_metric(http.caller("admin"), metric_id)
    return http.json_response(204, None)


handler = http.lambda_handler(app)
