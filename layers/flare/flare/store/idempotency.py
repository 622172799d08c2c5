"""Powertools' idempotency records, kept in the table under PK `IDEMPOTENCY` with TTL `expires_at`."""

from flare.store.client import client, table_name
from flare.store.keys import IDEMPOTENCY_PK


def idempotency_persistence():
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(
        table_name=table_name(),
        key_attr="PK",
        sort_key_attr="SK",
        static_pk_value=IDEMPOTENCY_PK,
        expiry_attr="expires_at",
        boto3_client=client(),
    )
