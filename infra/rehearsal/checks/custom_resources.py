"""Invariant 5: a custom resource that gets no answer fails within a bounded time.

ServiceTimeout (AWS::CloudFormation::CustomResource and Custom::*): "The maximum time, in seconds, that
can elapse before a custom resource operation times out. The value must be an integer from 1 to 3600.
The default value is 3600 seconds (1 hour)." (CloudFormation template reference,
aws-resource-cloudformation-customresource.html#cfn-cloudformation-customresource-servicetimeout.)
Without it a function that cannot answer (no route to CloudFormation's S3 URL) holds the stack an hour,
and its rollback another hour. It must still leave the function its whole Timeout to answer."""
from ..findings import Problem

INVARIANT = "custom-resource-timeout"
MAX_SERVICE_TIMEOUT = 3600
LAMBDA_DEFAULT_TIMEOUT = 3


def check(deployments, results):
    for deployment in deployments:
        for logical_id, resource in deployment.resources():
            kind = resource["Type"]
            if not (kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource"):
                continue
            results.checked(INVARIANT, logical_id)
            props = resource["Properties"]
            function_id = deployment.function_behind(props.get("ServiceToken"))
            function = deployment.resource(function_id) if function_id else None
            timeout = int((function or {}).get("Properties", {}).get("Timeout", LAMBDA_DEFAULT_TIMEOUT))
            service_timeout = props.get("ServiceTimeout")
            fix = (f"set ServiceTimeout to at least the function's Timeout ({timeout} s) and at most "
                   f"{MAX_SERVICE_TIMEOUT}")
            if service_timeout is None:
                problem = "has no ServiceTimeout, so an unanswered request holds the stack 3600 s (and again on rollback)"
            else:
                try:
                    seconds = int(str(service_timeout))
                except ValueError:
                    seconds = None
                if seconds is None or not timeout <= seconds <= MAX_SERVICE_TIMEOUT:
                    problem = (f"ServiceTimeout {service_timeout!r} is not between the function "
                               f"{function_id}'s Timeout {timeout} and {MAX_SERVICE_TIMEOUT}")
                else:
                    problem = None
            if problem:
                results.add(Problem(INVARIANT, logical_id, problem, fix, deployment.name))
