"""Models to DynamoDB items and back: the one codec of the store."""

from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(attributes: dict[str, Any]) -> dict[str, Any]:
    """Attributes as a DynamoDB item (None left out)."""
    return {name: _serializer.serialize(value) for name, value in attributes.items() if value is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def values(named: dict[str, Any]) -> dict[str, Any]:
    """ExpressionAttributeValues from plain values."""
    return {name: _serializer.serialize(value) for name, value in named.items()}


def record(model) -> dict[str, Any]:
    """A model as stored attributes: timestamps as RFC 3339 strings, None left out."""
    return {k: v for k, v in model.model_dump(mode="json").items() if v is not None}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}
