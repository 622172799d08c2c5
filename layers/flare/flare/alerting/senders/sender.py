"""What Flare knows of one alert sender: the one value its module declares, which the registry collects."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from flare.alerting.senders.alert import Alert

# How a type signs its requests: "required" (it always signs: its integration must hold the secret) or
# "optional" (signing is opt-in: with a secret, every request must be signed).
Signing = Literal["optional", "required"]

# parse(JSON-decoded body, complete severity mapping) -> Alert, raising only PayloadError.
Parse = Callable[[Any, dict[str, str]], Alert]
# verify(secret, raw body, headers with lowercased names, now as Unix seconds): None, or SignatureError.
Verify = Callable[[str, bytes, Mapping[str, str], float], None]
# The id of a delivery by its headers, where they make one unrepeatable (a signature over a timestamp).
HeaderDeliveryId = Callable[[Mapping[str, str]], str | None]


@dataclass(frozen=True)
class Sender:
    name: str  # its integration type, in URLs (/api/v1/integrations/<name>/…) and function folders
    title: str  # as people write it: "PagerDuty"
    default_severity_mapping: dict[str, str]  # its severity values (casefolded) → Flare's
    parse: Parse
    signs: Signing | None = None
    verify: Verify | None = None
    header_delivery_id: HeaderDeliveryId | None = None

    def __post_init__(self) -> None:
        if (self.signs is None) != (self.verify is None):
            raise ValueError(f"{self.name}: a sender that signs has a verify function, and only such a sender")
