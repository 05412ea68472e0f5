"""Invariant 7, the issue's smaller findings: each a property a real deploy depends on."""
import re

from ..findings import Problem
from ..intrinsics import Symbol, resources_in

LOG_GROUP = "own-log-group"
ENGINE_VERSION = "major-engine-version"
DATABASE_TLS = "database-tls-verified"
DURABLE_REDIS = "durable-redis-default"
RULES = "rules-refuse-bad-parameters"
HANDLER = "handler-in-module"


def check_log_groups(deployments, results):
    """Lambda creates /aws/lambda/<name> on the first log line unless the function names its group; if
    that happens before the stack makes the group, the stack's create fails (already exists)."""
    for deployment in deployments:
        for function_id, function in deployment.functions():
            results.checked(LOG_GROUP, function_id)
            group = function["Properties"].get("LoggingConfig", {}).get("LogGroup")
            problem = None
            if not (isinstance(group, Symbol) and group.kind == "Ref"
                    and deployment.evaluator.resource_type(group.target) == "AWS::Logs::LogGroup"):
                shown = "not set" if group is None else f"{group!r}"
                problem = (f"LoggingConfig.LogGroup is {shown}, not a Ref to the stack's own AWS::Logs::LogGroup, "
                           "so Lambda may create the group first and the stack's group then fails or is orphaned")
            elif deployment.resource(group.target) is None:
                problem = f"log group {group.target} does not exist in this parameter set"
            elif function_id in resources_in(deployment.resource(group.target)["Properties"]):
                problem = f"log group {group.target} is named after the function that names it (a cycle)"
            if problem:
                results.add(Problem(LOG_GROUP, function_id, problem,
                                    "define an AWS::Logs::LogGroup with a stack-derived name and set "
                                    "LoggingConfig.LogGroup: !Ref it", deployment.name))


def check_engine_versions(deployments, results):
    """A pinned minor version is retired by RDS within about a year; then the stack cannot be updated."""
    for deployment in deployments:
        for db_id, db in deployment.resources("AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
            results.checked(ENGINE_VERSION, db_id)
            version = db["Properties"].get("EngineVersion")
            if version is not None and not re.fullmatch(r"\d+", str(version)):
                results.add(Problem(ENGINE_VERSION, db_id,
                                    f"EngineVersion {version!r} pins a minor version, which RDS retires",
                                    f"set EngineVersion to the major version only ({str(version).split('.')[0]!r})"
                                    " with AutoMinorVersionUpgrade", deployment.name))


def check_database_tls(deployments, results):
    """sslmode=require encrypts but accepts any certificate; verify-full checks it is the database's."""
    for deployment in deployments:
        for function_id, function in deployment.functions():
            variables = function["Properties"].get("Environment", {}).get("Variables", {})
            for name, value in variables.items():
                if not (isinstance(value, str) and value.startswith("jdbc:postgresql:")):
                    continue
                subject = f"{function_id} {name}"
                results.checked(DATABASE_TLS, subject)
                if "sslmode=verify-full" not in value:
                    results.add(Problem(DATABASE_TLS, subject,
                                        f"database URL {str(value)!r} does not use sslmode=verify-full",
                                        "use sslmode=verify-full with the RDS CA bundle (sslrootcert)",
                                        deployment.name))


def check_durable_redis(production, results):
    """A 202 must survive the loss of a Redis primary: ElastiCache replicates asynchronously, MemoryDB
    commits to a multi-AZ transaction log before it answers."""
    results.checked(DURABLE_REDIS, "Redis")
    memorydb = production.resources("AWS::MemoryDB::Cluster")
    elasticache = [lid for lid, _ in production.resources("AWS::ElastiCache::ServerlessCache",
                                                            "AWS::ElastiCache::ReplicationGroup")]
    if not memorydb or elasticache:
        results.add(Problem(DURABLE_REDIS, "Redis",
                            f"the default parameters make {', '.join(elasticache) or 'no Redis'}"
                            f"{'' if memorydb else ' and no AWS::MemoryDB::Cluster'}",
                            "make an AWS::MemoryDB::Cluster the default Redis", production.name))


def check_rules(deployments, results):
    """Bad parameters must stop the deploy before anything is created (Rules, AllowedPattern), and the
    well-formed sets must pass."""
    for deployment in deployments:
        subject = f"parameter set {deployment.name}"
        results.checked(RULES, subject)
        if deployment.parameter_set.must_be_refused and not deployment.refused:
            results.add(Problem(RULES, subject,
                                f"{deployment.parameter_set.description}: accepted by the template",
                                "add Rules asserting the network parameters are given (Fn::Not/Fn::Equals, "
                                "Fn::EachMemberEquals)", deployment.name))
        if not deployment.parameter_set.must_be_refused and deployment.refused:
            results.add(Problem(RULES, subject,
                                f"{deployment.parameter_set.description}: refused: {'; '.join(deployment.refused)}",
                                "a well-formed production deploy must be accepted: fix the Rule or pattern",
                                deployment.name))


def check_handlers(code, handlers, results):
    """The code the other checks read must be the code that runs: the Handler's class in the module
    that infra/sam/Makefile packages for the function."""
    for function_id in handlers:
        results.checked(HANDLER, function_id)
        facts = code.get(function_id)
        if facts is None:
            results.add(Problem(HANDLER, function_id, "no build-%s target in infra/sam/Makefile names its "
                                "module, so its code (and what it calls) is unknown" % function_id,
                                "add the build target"))
        elif not facts.handler_found:
            results.add(Problem(HANDLER, function_id,
                                f"handler {handlers[function_id]} is not a class of {facts.module} or its "
                                "dependencies", "fix Handler or the Makefile's build target"))
