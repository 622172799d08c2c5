"""Reading the SAM template: CloudFormation short tags (!Ref, !Sub, !GetAtt, ...) become `Intrinsic` values."""

import copy
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATE = REPO_ROOT / "template.yaml"


@dataclass(frozen=True)
class Intrinsic:
    """A short-form intrinsic function: `!GetAtt Fn.Arn` is Intrinsic("GetAtt", "Fn.Arn")."""

    name: str
    value: Any


# libyaml's parser where PyYAML has it: the pure-Python one takes about half a second for template.yaml, which
# every test's fresh table reads.
class _TemplateLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    pass


def _construct_intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Intrinsic:
    if isinstance(node, yaml.ScalarNode):
        return Intrinsic(tag_suffix, loader.construct_scalar(node))
    if isinstance(node, yaml.SequenceNode):
        return Intrinsic(tag_suffix, loader.construct_sequence(node, deep=True))
    return Intrinsic(tag_suffix, loader.construct_mapping(node, deep=True))


_TemplateLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(path: str | Path) -> dict[str, Any]:
    """The template as data: a copy of what was parsed when the file last changed (callers may edit it)."""
    stat = Path(path).stat()
    return copy.deepcopy(_parsed(str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size))


@cache
def _parsed(path: str, _mtime_ns: int, _size: int) -> dict[str, Any]:
    with open(path, encoding="utf-8") as file:
        return yaml.load(file, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader subclass


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in (template.get("Resources") or {}).items()
        if resource.get("Type") == resource_type
    }


def referenced_resource(value: Any) -> str | None:
    """The logical id behind `!Ref X` or `!GetAtt X.Attr` (short or long form); None for anything else."""
    if isinstance(value, Intrinsic):
        name, argument = value.name, value.value
    elif isinstance(value, dict) and len(value) == 1:
        ((name, argument),) = value.items()
        name = name.removeprefix("Fn::")
    else:
        return None
    if name == "Ref" and isinstance(argument, str):
        return argument
    if name == "GetAtt":
        return argument.split(".", 1)[0] if isinstance(argument, str) else argument[0]
    return None


def public_routes(template: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(function directory, path, method) of each API route served without the authorizer
    (`Auth: {Authorizer: NONE}`): its function authenticates the caller itself (Slack signs its requests)."""
    routes = []
    for function in resources_of_type(template, "AWS::Serverless::Function").values():
        directory = function["Properties"]["CodeUri"].strip("/").split("/")[-1]
        for event in (function["Properties"].get("Events") or {}).values():
            properties = event.get("Properties") or {}
            if event.get("Type") == "Api" and (properties.get("Auth") or {}).get("Authorizer") == "NONE":
                routes.append((directory, properties["Path"], properties["Method"].lower()))
    return routes
