"""Invariant 6: every function's role grants exactly what its code calls, on named resources.

The code's calls come from code_scan (javap of the function's modules). Grants are the role's inline
policies (SAM policy templates arrive expanded by the translator), AWS::IAM::Policy resources attached to
it, and managed policies, of which only the ones below are accepted: they serve the Lambda service, not
the code, and cannot be narrowed by the template."""
import re

from ..findings import Problem
from ..intrinsics import Symbol

INVARIANT = "least-privilege"

ACCEPTED_MANAGED_POLICIES = {
    # Lambda writes the function's logs with its role (logs:CreateLogStream, PutLogEvents).
    "AWSLambdaBasicExecutionRole",
    # Lambda creates and deletes the function's network interfaces in the VPC with its role
    # (ec2:CreateNetworkInterface, DescribeNetworkInterfaces, DeleteNetworkInterface, ...).
    "AWSLambdaVPCAccessExecutionRole",
}

# Actions IAM has no resource-level permissions for: `Resource: "*"` is the only way to grant them.
UNSCOPABLE_ACTIONS = {
    "cloudwatch:PutMetricData",        # scoped by the cloudwatch:namespace condition key instead
    "xray:PutTraceSegments", "xray:PutTelemetryRecords",
    "secretsmanager:GetRandomPassword",
    "ssm:DescribeParameters",
    "sts:GetCallerIdentity",
}

VERIFY_ONLY_SECRET = "JwtVerifyKeysSecretArn"
_JWT_SECRET_PARAMETER = re.compile(r"^Jwt\w*SecretArn$")
# Secrets named by the stage instead of a parameter: the key set that can sign tokens.
_SIGNING_SECRET_NAME = "jwt-signing-keys"


def _configured(value):
    return value not in (None, "")


# Calls the code makes only when its configuration asks for them, read from the function's environment in
# each parameter set: a secret is read only when a *_SECRET_ARN variable names one (KeySource, Database),
# an RDS IAM token is made only with NUSCAPE_DATABASE_AUTH=iam. In a set where the environment does not ask,
# the call is not needed and its grant is a finding like any other.
CONFIGURED_BY = {
    "secretsmanager:GetSecretValue": lambda env: any(
        name.endswith("_SECRET_ARN") and _configured(value) for name, value in env.items()),
    "rds-db:connect": lambda env: env.get("NUSCAPE_DATABASE_AUTH") == "iam",
}


def check(deployments, code, results):
    for deployment in deployments:
        for function_id, function in deployment.functions():
            facts = code.get(function_id)
            if facts is None:
                continue
            subject = function_id
            results.checked(INVARIANT, subject)
            for problem, fix in _role_problems(deployment, function, facts):
                results.add(Problem(INVARIANT, subject, problem, fix, deployment.name))


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _statements(document):
    return _as_list((document or {}).get("Statement", []))


def _role_problems(deployment, function, facts):
    role_ref = function["Properties"].get("Role")
    if not (isinstance(role_ref, Symbol) and deployment.evaluator.resource_type(role_ref.target)
            == "AWS::IAM::Role"):
        yield (f"role {role_ref!r} is not made by the stack, so its grants cannot be checked",
               "let SAM create the role (Policies) or define an AWS::IAM::Role in the template")
        return
    role_id = role_ref.target
    role = deployment.resource(role_id)["Properties"]

    for arn in role.get("ManagedPolicyArns", []):
        name = str(arn).rsplit("/", 1)[-1]
        if name not in ACCEPTED_MANAGED_POLICIES:
            yield (f"role {role_id} has managed policy {name}, whose grants are not the code's",
                   "replace it by statements for the actions the code calls")

    statements = [s for p in role.get("Policies", []) for s in _statements(p.get("PolicyDocument"))]
    for _, policy in deployment.resources("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        attached = policy["Properties"].get("Roles", [])
        if any(isinstance(r, Symbol) and r.target == role_id for r in attached):
            statements += _statements(policy["Properties"].get("PolicyDocument"))

    env = (function["Properties"].get("Environment") or {}).get("Variables") or {}
    called = {a for a in facts.actions if a not in CONFIGURED_BY or CONFIGURED_BY[a](env)}

    granted = {}
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement or "NotResource" in statement:
            yield ("role grants by NotAction/NotResource", "grant the named actions on named resources")
        resources = _as_list(statement.get("Resource", []))
        for action in _as_list(statement.get("Action", [])):
            granted.setdefault(action, []).extend(resources)

    for action in sorted(granted):
        if "*" in action:
            yield (f"role {role_id} grants the wildcard action {action!r}",
                   "grant the actions the code calls by name")
        elif action not in facts.actions:
            yield (f"role {role_id} grants {action}, which the code never calls",
                   f"remove {action} from the function's policies")
        elif action not in called:
            yield (f"role {role_id} grants {action}, which the code does not call as configured here",
                   f"grant {action} only where the function's environment asks for it")
        if "*" in granted[action] and action not in UNSCOPABLE_ACTIONS:
            yield (f"role {role_id} grants {action} on Resource '*'",
                   "name the resources (ARNs) it needs")
    for action in sorted(called - set(granted)):
        yield (f"code calls {action}, which role {role_id} does not grant",
               f"add {action} on the resources it needs to the function's policies")

    if not facts.signs_tokens:
        for action, resources in granted.items():
            for parameter in _jwt_signing_secrets(deployment, resources):
                yield (f"verifies tokens only (its code never uses TokenIssuer) but may read {parameter}, "
                       "a key set that can sign them",
                       f"grant only {VERIFY_ONLY_SECRET} (public keys) to this function")


def _jwt_signing_secrets(deployment, resources):
    if any(_SIGNING_SECRET_NAME in str(r) for r in resources):
        yield f"the {_SIGNING_SECRET_NAME} secret"
    values = deployment.values
    for name in sorted(values):
        if not _JWT_SECRET_PARAMETER.match(name) or name == VERIFY_ONLY_SECRET:
            continue
        value = values[name]
        if value and any(isinstance(r, str) and value in r for r in resources):
            yield name
