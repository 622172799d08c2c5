"""The data model exists once, in flare.store.keys; docs/design.md's table must say the same."""

import re
from pathlib import Path

from flare.store import keys

DESIGN = Path(__file__).resolve().parents[2] / "docs" / "design.md"


def _cell(text: str) -> str:
    return f"`{text}`" if text and not text.startswith("`") else text


def rendered_table() -> str:
    rows = ["| PK | SK | item | index keys (GSI1PK / GSI1SK) |", "| --- | --- | --- | --- |"]
    for item in keys.DATA_MODEL:
        gsi = f"`{item.gsi}`" if item.gsi else ""
        rows.append(f"| {_cell(item.pk)} | {_cell(item.sk)} | {item.what} | {gsi} |")
    return "\n".join(rows)


def test_the_design_documents_every_item_the_store_writes_as_the_store_keys_it():
    text = DESIGN.read_text()
    documented = re.search(r"^## Data model.*?\n\n(\|.*?)\n\n", text, re.S | re.M).group(1)
    assert documented == rendered_table(), "docs/design.md's data model table is out of date; it should read:\n\n" + (
        rendered_table()
    )


def test_every_key_builder_and_key_constant_appears_in_the_data_model():
    """A key the store builds that the data model leaves out is a kind of item nobody documented."""
    documented = " ".join(f"{item.pk} {item.sk} {item.gsi}" for item in keys.DATA_MODEL)
    constants = [value for name, value in vars(keys).items() if name.endswith(("_SK", "_PK", "_PREFIX"))]
    assert constants and all(value in documented for value in constants), [
        value for value in constants if value not in documented
    ]
    placeholder = {"org_id": "<org>", "number": "<n>"}
    builders = [value for name, value in vars(keys).items() if name.endswith("_pk") and callable(value)]
    for build in builders:
        arguments = [
            placeholder.get(name, f"<{name}>") for name in build.__code__.co_varnames[: build.__code__.co_argcount]
        ]
        prefix = build(*arguments).split("<")[0]
        assert prefix in documented, f"{build.__name__} builds keys ({prefix}…) that the data model does not list"
