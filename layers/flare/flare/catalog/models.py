"""Services and metrics: request bodies (strict), stored records and responses."""

from pydantic import BaseModel, Field

from flare.fields import (
    Description,
    Name,
    PatchRequest,
    RequestModel,
    ServiceId,
    ServiceStatus,
    Severity,
    Timestamp,
)


class CreateServiceRequest(RequestModel):
    name: Name
    description: Description = ""


class UpdateServiceRequest(PatchRequest):
    name: Name | None = None
    description: Description | None = None


class Service(BaseModel):
    id: str
    org_id: str
    name: str
    description: str
    # Severity of each active incident affecting the service, by incident id (see rules.rollup).
    impacts: dict[str, str] = {}
    version: int = 1
    created_at: Timestamp
    updated_at: Timestamp


class ServiceOut(BaseModel):
    id: str
    name: str
    description: str
    status: ServiceStatus
    active_incidents: list[str] = Field(description="Ids of the active incidents affecting the service")
    active_maintenances: list[str] = Field(description="Ids of the maintenances in progress on the service")
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class ServiceList(BaseModel):
    services: list[ServiceOut]
    next_cursor: str | None


class CreateMetricRequest(RequestModel):
    name: Name
    service_id: ServiceId = Field(description="The service whose incidents this metric files")
    description: Description = ""
    severity: Severity = Field("minor", description="Severity of the incidents filed from this metric")


class UpdateMetricRequest(PatchRequest):
    name: Name | None = None
    service_id: ServiceId | None = None
    description: Description | None = None
    severity: Severity | None = None


class Metric(BaseModel):
    id: str
    org_id: str
    name: str
    service_id: str
    description: str
    severity: Severity
    version: int = 1
    created_at: Timestamp
    updated_at: Timestamp
    created_by: str | None = None


class MetricOut(BaseModel):
    id: str
    name: str
    service_id: str
    description: str
    severity: Severity
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class MetricList(BaseModel):
    metrics: list[MetricOut]
    next_cursor: str | None
