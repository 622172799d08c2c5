"""A function's configuration: read from its environment (template.yaml) once per process, typed and checked.

The HTTP entry point reads it at cold start, so a function deployed without its table fails to start with the
variable named instead of failing on its first request. Tests that point a process at another table or endpoint
call `forget()` (store.client.reset_client does) after changing the environment.
"""

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # TABLE_NAME: the one DynamoDB table (DynamoDB's own bounds on a table name); every function has it.
    table_name: str | None = Field(None, min_length=3, max_length=255, pattern=r"^[a-zA-Z0-9_.-]+$")
    # LOCAL_AWS_ENDPOINT_URL: the local stack's (or sam local's) moto; empty on AWS, where the SDK finds the
    # regional endpoints itself.
    aws_endpoint_url: str | None = None
    # CURSOR_SECRET_ARN: the Secrets Manager secret that signs list cursors (read by flare.cursor at cold start).
    cursor_secret_arn: str | None = None
    # CURSOR_SECRET: the value itself, for tools that load handlers without any AWS (the OpenAPI build); the
    # template never declares it.
    cursor_secret: str | None = None
    # STATUS_PAGE_MAX_AGE: how long browsers and CDNs may keep a public status page answer (seconds; they may
    # serve it up to twice as long again while they revalidate).
    status_page_max_age: int = Field(30, ge=0, le=3600)
    # EVENT_BUS_NAME: the EventBridge bus the event publisher puts every event on (flare.events).
    event_bus_name: str | None = Field(None, min_length=1, max_length=256)
    # OUTBOUND_QUEUE_URL: the FIFO queue of outbound deliveries (webhooks, Slack posts), one message each.
    outbound_queue_url: str | None = Field(None, min_length=1, max_length=2048)
    # OUTBOUND_ALLOW_LOOPBACK: "true" on the local stack only, where webhook receivers listen on 127.0.0.1 over
    # plain http; deployed, a webhook is https and never reaches loopback, private or link-local addresses.
    outbound_allow_loopback: bool = False
    # SLACK_API_URL: Slack's Web API base URL (a local stand-in in tests); deployed, Slack's own.
    slack_api_url: str = Field("https://slack.com/api/", pattern=r"^https?://.+/$")
    # PUBLIC_BASE_URL: the API's public base URL (the stack's ApiUrl; locally the local gateway's), for links to
    # public status pages in Slack announcements; unset, announcements carry no link.
    public_base_url: str | None = Field(None, max_length=2048, pattern=r"^https?://[^\s/?#]+(?:/[^\s?#]*)?$")

    def required(self, name: str) -> str:
        """A setting the function cannot work without (RuntimeError naming its variable otherwise)."""
        value = getattr(self, name)
        if value is None:
            raise RuntimeError(f"this function is misconfigured: {_VARIABLES[name]} is not set")
        return value

    def table(self) -> str:
        if self.table_name is None:
            raise RuntimeError("this function is misconfigured: TABLE_NAME is not set")
        return self.table_name


_VARIABLES = {
    "table_name": "TABLE_NAME",
    "aws_endpoint_url": "LOCAL_AWS_ENDPOINT_URL",
    "cursor_secret_arn": "CURSOR_SECRET_ARN",
    "cursor_secret": "CURSOR_SECRET",
    "status_page_max_age": "STATUS_PAGE_MAX_AGE",
    "event_bus_name": "EVENT_BUS_NAME",
    "outbound_queue_url": "OUTBOUND_QUEUE_URL",
    "outbound_allow_loopback": "OUTBOUND_ALLOW_LOOPBACK",
    "slack_api_url": "SLACK_API_URL",
    "public_base_url": "PUBLIC_BASE_URL",
}


@cache
def settings() -> Settings:
    """This process's settings; RuntimeError naming the variable when one is missing or malformed."""
    given = {field: os.environ.get(variable) or None for field, variable in _VARIABLES.items()}
    try:
        return Settings(**{field: value for field, value in given.items() if value is not None})
    except ValidationError as error:
        problems = "; ".join(f"{_VARIABLES[str(e['loc'][0])]} {e['msg']}" for e in error.errors())
        raise RuntimeError(f"this function is misconfigured: {problems}") from None


def forget() -> None:
    """Read the environment again at the next call (tests that change it)."""
    settings.cache_clear()
