"""Flare's local stack with no Docker: `python -m flare_local`."""

from flare_local.dynamodb import LockedMotoServer, create_table_from_template
from flare_local.gateway import LocalGateway
from flare_local.stack import LocalStack

__all__ = ["LocalGateway", "LocalStack", "LockedMotoServer", "create_table_from_template"]
