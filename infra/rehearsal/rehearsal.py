"""Runs every invariant check over the standard parameter sets of a template."""
from . import parameters, stack
from .checks import alarms, custom_resources, hygiene, names, network, roles, versions
from .findings import Problem, Results

TRANSFORM = "transform"


def functions_and_custom_resources(sam_template, production):
    """{LogicalId: Handler} of the SAM functions, and the functions that serve custom resources."""
    handlers = {fid: stack.function_sam_properties(sam_template, fid).get("Handler")
                for fid in stack.sam_functions(sam_template)}
    serving = set()
    for _, resource in production.resources():
        kind = resource["Type"]
        if kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
            function_id = production.function_behind(resource["Properties"].get("ServiceToken"))
            if function_id:
                serving.add(function_id)
    return handlers, serving


def rehearse(sam_template, read_code):
    """`read_code(handlers, custom_resource_functions)` -> {LogicalId: code_scan.FunctionCode}."""
    results = Results()
    deployments = [stack.deploy(sam_template, s) for s in parameters.standard_sets(sam_template)]
    for deployment in deployments:
        results.checked(TRANSFORM, f"parameter set {deployment.name}")
        if deployment.error:
            results.add(Problem(TRANSFORM, f"parameter set {deployment.name}",
                                f"the Serverless transform fails: {deployment.error}",
                                "fix the template (cfn-lint shows the same as E0001)", deployment.name))
    deployments = [d for d in deployments if not d.error]
    by_name = {d.name: d for d in deployments}
    if "production" not in by_name or "second-stage" not in by_name:
        return results  # nothing further can be rehearsed
    production = by_name["production"]

    hygiene.check_rules(deployments, results)
    # A set the template must refuse never deploys; the rules check above covers it.
    deployable = [d for d in deployments if not d.parameter_set.must_be_refused]

    handlers, serving = functions_and_custom_resources(sam_template, production)
    code = read_code(handlers, serving)
    hygiene.check_handlers(code, handlers, results)

    network.check(deployable, code, results)
    versions.check(production, results)
    alarms.check(deployable, results)
    names.check(production, by_name["second-stage"], results)
    custom_resources.check(deployable, results)
    roles.check(deployable, code, results)
    hygiene.check_log_groups(deployable, results)
    hygiene.check_engine_versions(deployable, results)
    hygiene.check_database_tls(deployable, results)
    hygiene.check_durable_redis(production, results)
    return results
