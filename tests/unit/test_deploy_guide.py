"""README's deployment guide says what `sam deploy --guided` will ask and what the stack gives back: a parameter or
output added to template.yaml without its line in README fails here, and so does a route left without the API key
authorizer that README does not name."""

import re

from flare_local.template import DEFAULT_TEMPLATE, load_template, resources_of_type
from tests.support.invoking import ROOT

TEMPLATE = load_template(DEFAULT_TEMPLATE)
README = (ROOT / "README.md").read_text()


def _section(title: str) -> str:
    start = README.index(f"### {title}\n")
    end = README.find("\n### ", start + 1)
    return README[start : end if end != -1 else None]


def test_every_parameter_is_a_prompt_of_the_guide_in_the_order_sam_asks_with_its_default():
    prompts = re.findall(r"^\| `Parameter (\w+) \[([^\]]*)\]` \|", _section("What `sam deploy --guided` asks"), re.M)
    expected = [(name, str(spec.get("Default", ""))) for name, spec in TEMPLATE["Parameters"].items()]

    assert prompts == expected


def test_every_output_is_in_the_guides_table():
    outputs = re.findall(r"^\| `(\w+)` \|", _section("What the stack gives you"), re.M)

    assert outputs == list(TEMPLATE["Outputs"])


def test_the_routes_without_the_api_key_authorizer_are_the_ones_the_guide_names():
    """Slack's commands and the public status pages (with their 405s): README says why each needs no key."""
    unauthenticated = {
        event["Properties"]["Path"]
        for function in resources_of_type(TEMPLATE, "AWS::Serverless::Function").values()
        for event in (function["Properties"].get("Events") or {}).values()
        if event["Type"] == "Api" and (event["Properties"].get("Auth") or {}).get("Authorizer") == "NONE"
    }

    assert "/api/v1/integrations/slack/commands" in unauthenticated
    assert {path for path in unauthenticated if not path.startswith("/status/{slug}")} == {
        "/api/v1/integrations/slack/commands"
    }
    guide = _section("What `sam deploy --guided` asks")
    assert "`ReceiveSlackCommandFunction`" in guide and "`/status/{slug}…`" in guide
