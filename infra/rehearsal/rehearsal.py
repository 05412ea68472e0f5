"""Runs every invariant check over the standard parameter sets of a template."""
from . import intrinsics, parameters, stack
from .checks import alarms, custom_resources, hygiene, names, network, roles, versions
from .findings import Problem, Results

TRANSFORM = "transform"
EVALUATION = "evaluation"


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

    def guarded(subject, run):
        # A construct the evaluator does not know is a limit of the rehearsal, not a fault of the
        # template, but it must not pass silently: it counts as a failed check.
        try:
            return run()
        except intrinsics.EvaluationError as e:
            results.add(Problem(EVALUATION, subject, f"cannot evaluate the template: {e}",
                                "extend infra/rehearsal/intrinsics.py or simplify the template"))
            return None

    deployments = []
    for parameter_set in parameters.standard_sets(sam_template):
        deployment = guarded(f"parameter set {parameter_set.name}",
                             lambda s=parameter_set: stack.deploy(sam_template, s))
        if deployment is None:
            continue
        results.checked(TRANSFORM, f"parameter set {deployment.name}")
        if deployment.error:
            results.add(Problem(TRANSFORM, f"parameter set {deployment.name}",
                                f"the Serverless transform fails: {deployment.error}",
                                "fix the template (cfn-lint shows the same as E0001)", deployment.name))
        else:
            deployments.append(deployment)
    by_name = {d.name: d for d in deployments}
    if "production" not in by_name or "second-stage" not in by_name:
        return results  # nothing further can be rehearsed
    production = by_name["production"]

    hygiene.check_rules(deployments, results)
    # A set the template must refuse never deploys; the rules check above covers it.
    deployable = [d for d in deployments if not d.parameter_set.must_be_refused]

    found = guarded("functions", lambda: functions_and_custom_resources(sam_template, production))
    if found is None:
        return results
    handlers, serving = found
    code = read_code(handlers, serving)
    hygiene.check_handlers(code, handlers, results)

    guarded(network.INVARIANT, lambda: network.check(deployable, code, results))
    guarded(versions.INVARIANT, lambda: versions.check(production, results))
    guarded(alarms.INVARIANT, lambda: alarms.check(deployable, results))
    guarded(names.INVARIANT, lambda: names.check(production, by_name["second-stage"], results))
    guarded(custom_resources.INVARIANT, lambda: custom_resources.check(deployable, results))
    guarded(roles.INVARIANT, lambda: roles.check(deployable, code, results))
    guarded(hygiene.LOG_GROUP, lambda: hygiene.check_log_groups(deployable, results))
    guarded(hygiene.ENGINE_VERSION, lambda: hygiene.check_engine_versions(deployable, results))
    guarded(hygiene.DATABASE_TLS, lambda: hygiene.check_database_tls(deployable, results))
    guarded(hygiene.DURABLE_REDIS, lambda: hygiene.check_durable_redis(production, results))
    return results
