"""Code and IAM agree: every AWS call each function made during this test session (handlers invoked by the
integration suite, including the local stacks it runs in its own process) is granted by that function's policies
in template.yaml. moto checks no IAM: without this, a call the deployed role denies passes every other test. The
e2e suite's stacks run in other processes, unrecorded: every function must make its calls here, or this fails."""

import pytest

from tests.support.iam import grants_by_function
from tests.support.invoking import ROOT


@pytest.mark.after_suite
def test_every_aws_call_of_every_function_is_granted_by_its_policies(request):
    recorded = request.config.iam_recorder.calls
    grants = grants_by_function(ROOT / "template.yaml")
    unseen = sorted(set(grants) - set(recorded))
    if unseen and not request.config.whole_integration_suite:
        pytest.skip(f"a partial run made no calls from {len(unseen)} functions: run the whole integration suite")
    assert not unseen, f"no test made these functions call AWS, so their IAM is unchecked: {unseen}"

    denied = {
        function: sorted(str(call) for call in calls if not grants[function].allows(call))
        for function, calls in sorted(recorded.items())
    }
    denied = {function: calls for function, calls in denied.items() if calls}
    assert not denied, "calls the deployed role would deny (fix template.yaml's policies or the code):\n" + "\n".join(
        f"  {function}: {call}" for function, calls in denied.items() for call in calls
    )
