"""If-Match: a write conditional on the version the client last saw (ETag = the version, quoted)."""

from flare.errors import PreconditionFailed


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(if_match: str | None, version: int) -> None:
    """412 unless `if_match` (if given) names the current version; accepts `*`, `"3"`, `W/"3"` and `3`."""
    if if_match is None:
        return
    candidates = [tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")]
    if "*" in candidates or str(version) in candidates:
        return
    raise PreconditionFailed(f"If-Match {if_match} is stale: the current version is {etag(version)}")
