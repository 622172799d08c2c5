"""One TransactWriteItems, built operation by operation, each with a label.

A cancelled transaction names the operation whose condition failed by its label (ConditionFailed.label), never
by its position: adding an operation to a transaction cannot change what a failure means.
"""

from typing import Any

from flare.retry import back_off
from flare.store.client import client, table_name
from flare.store.codec import from_item, key, to_item, values
from flare.store.errors import ConditionFailed

MAX_CONFLICT_RETRIES = 5


class Transaction:
    def __init__(self) -> None:
        self._operations: list[dict[str, Any]] = []
        self._labels: list[str] = []

    def _add(self, label: str, kind: str, operation: dict[str, Any]) -> "Transaction":
        if label in self._labels:
            raise ValueError(f"two operations labelled {label!r}")
        self._labels.append(label)
        self._operations.append({kind: {"TableName": table_name()} | operation})
        return self

    @staticmethod
    def _conditions(condition: str | None, names: dict[str, str] | None, bound: dict[str, Any] | None, old: bool):
        part: dict[str, Any] = {}
        if condition:
            part["ConditionExpression"] = condition
        if names:
            part["ExpressionAttributeNames"] = names
        if bound:
            part["ExpressionAttributeValues"] = values(bound)
        if old:
            part["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return part

    def put(
        self,
        label: str,
        item: dict[str, Any],
        condition: str | None = None,
        *,
        values: dict[str, Any] | None = None,
        return_old: bool = False,
    ) -> "Transaction":
        """Put `item` (plain attributes), if `condition` holds (`values` bind its placeholders)."""
        return self._add(label, "Put", {"Item": to_item(item)} | self._conditions(condition, None, values, return_old))

    def delete(
        self,
        label: str,
        pk: str,
        sk: str,
        condition: str | None = None,
        *,
        values: dict[str, Any] | None = None,
        return_old: bool = False,
    ) -> "Transaction":
        return self._add(label, "Delete", {"Key": key(pk, sk)} | self._conditions(condition, None, values, return_old))

    def update(
        self,
        label: str,
        pk: str,
        sk: str,
        expression: str,
        condition: str | None = None,
        *,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
        return_old: bool = False,
    ) -> "Transaction":
        operation = {"Key": key(pk, sk), "UpdateExpression": expression}
        return self._add(label, "Update", operation | self._conditions(condition, names, values, return_old))

    def check(self, label: str, pk: str, sk: str, condition: str) -> "Transaction":
        """Write nothing, but fail the transaction unless `condition` holds on the item."""
        return self._add(label, "ConditionCheck", {"Key": key(pk, sk), "ConditionExpression": condition})

    def commit(self) -> None:
        """Write every operation or none. A failed condition raises ConditionFailed with the operation's label;
        a conflict with another transaction in flight (TransactionConflict) is retried with jittered backoff."""
        for attempt in range(MAX_CONFLICT_RETRIES + 1):
            try:
                client().transact_write_items(TransactItems=self._operations)
                return
            except client().exceptions.TransactionCanceledException as error:
                reasons = error.response.get("CancellationReasons", [])
                for label, reason in zip(self._labels, reasons, strict=False):
                    if reason.get("Code") == "ConditionalCheckFailed":
                        item = reason.get("Item")
                        raise ConditionFailed(label, from_item(item) if item else None) from None
                conflicted = any(reason.get("Code") == "TransactionConflict" for reason in reasons)
                if not conflicted or attempt == MAX_CONFLICT_RETRIES:
                    raise
                back_off(attempt, base=0.02)
