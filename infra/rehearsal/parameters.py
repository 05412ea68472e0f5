"""The parameter sets the rehearsal deploys in its head, and the values CloudFormation would accept."""
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field

from .translate import FAKE_CODE_URI

# Fake but well-formed values, by parameter name, for parameters that need one (no default, or a default
# that a production deploy cannot use).
FAKE_VALUES = {
    "VpcId": "vpc-0123456789abcdef0",
    "SubnetIds": "subnet-0123456789abcdef0,subnet-0fedcba9876543210",
    "SecurityGroupIds": "sg-0123456789abcdef0",
    "RouteTableIds": "rtb-0123456789abcdef0,rtb-0fedcba9876543210",
    "JwtKeysSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:nuscape/jwt-keys-AbCdEf",
    "JwtSigningKeysSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:nuscape/jwt-signing-AbCdEf",
    "JwtVerifyKeysSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:nuscape/jwt-verify-AbCdEf",
    "AlarmEmail": "oncall@example.com",
}

# Parameters every deploy must give (the template's Rules refuse them empty), besides the network.
REQUIRED = ("AlarmEmail",)

# The parameter scripts/deploy computes from the built code and every other value (scripts/deployment-revision).
REVISION = "DeploymentRevision"
_REVISION_SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "deployment-revision")

NETWORK = ("VpcId", "SubnetIds", "SecurityGroupIds", "RouteTableIds")

EXISTING_STORES = {
    "RedisUrl": "rediss://nuscape.abc123.clustercfg.memorydb.eu-west-1.amazonaws.com:6379",
    "DatabaseUrl": "jdbc:postgresql://nuscape.cluster-abc123.eu-west-1.rds.amazonaws.com:5432/nuscape"
                   "?sslmode=verify-full",
    "DatabaseSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:nuscape/db-AbCdEf",
    "ExistingRedisHost": "clustercfg.nuscape.abc123.memorydb.eu-west-1.amazonaws.com",
    "ExistingDatabaseHost": "nuscape.abc123xyz.eu-west-1.rds.amazonaws.com",
    "ExistingDatabaseSecretPrefix": "nuscape/prod/db",
}


@dataclass
class ParameterSet:
    name: str
    description: str
    given: dict                       # values the operator passes (strings, as on the command line)
    stack_name: str = "nuscape-prod"
    must_be_refused: bool = False     # the template's Rules must reject it
    values: dict = field(default_factory=dict)  # every declared parameter, defaults filled in


def standard_sets(template):
    """(a) production default, (b) NAT egress, (c) existing stores, (d) a second stage, (e) no network."""
    declared = template.get("Parameters", {})
    network = {name: FAKE_VALUES[name] for name in NETWORK}
    required = {name: FAKE_VALUES[name] for name, p in declared.items()
                if ("Default" not in p or name in REQUIRED) and name in FAKE_VALUES}
    base = {**required, **network}
    sets = [
        ParameterSet("production", "(a) network given, everything else default", base),
        ParameterSet("nat-egress", "(b) as (a) with VpcEgress=nat", {**base, "VpcEgress": "nat"}),
        ParameterSet("existing-stores", "(c) as (a) with an existing Redis and Postgres given",
                     {**base, **{k: v for k, v in EXISTING_STORES.items() if k in declared}}),
        ParameterSet("second-stage", "(d) as (a), Stage=staging in stack nuscape-staging",
                     {**base, "Stage": "staging"}, stack_name="nuscape-staging"),
        ParameterSet("no-network", "(e) as (a) with empty network parameters",
                     {**base, **{name: "" for name in NETWORK}}, must_be_refused=True),
    ]
    for parameter_set in sets:
        parameter_set.values = resolve_values(template, parameter_set.given)
        if not parameter_set.must_be_refused:
            parameter_set.values = with_revision(template, parameter_set.values)
    return sets


def with_revision(template, values, code_uri=FAKE_CODE_URI):
    """The values as scripts/deploy passes them: where the template has a DeploymentRevision parameter,
    its value computed by the project's own script from the other values and the code (here the code's
    stand-in is its URI), so the rehearsal deploys exactly as an operator does."""
    if REVISION not in template.get("Parameters", {}):
        return values
    pairs = [f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in sorted(values.items()) if k != REVISION]
    with tempfile.TemporaryDirectory() as build:
        with open(os.path.join(build, "code"), "w") as f:
            f.write(code_uri)
        revision = subprocess.run([_REVISION_SCRIPT, "--build-dir", build, *pairs], check=True,
                                  capture_output=True, text=True).stdout.strip()
    return {**values, REVISION: revision}


def resolve_values(template, given):
    """Every declared parameter's value as `Ref` sees it (lists for CommaDelimitedList); undeclared given
    parameters are dropped, as a template without them would not accept them anyway."""
    values = {}
    for name, declaration in template.get("Parameters", {}).items():
        if name in given:
            raw = given[name]
        elif "Default" in declaration:
            raw = declaration["Default"]
        else:
            raise ValueError(f"parameter {name} has no default and no rehearsal value (add it to FAKE_VALUES)")
        values[name] = as_ref_value(declaration, raw)
    return values


def as_ref_value(declaration, raw):
    if isinstance(raw, list):
        raw = ",".join(str(v) for v in raw)
    raw = str(raw) if not isinstance(raw, bool) else ("true" if raw else "false")
    if declaration.get("Type", "String") in ("CommaDelimitedList", "List<Number>") or declaration.get(
            "Type", "").startswith("List<"):
        return raw.split(",")  # "" is [""], as CloudFormation gives it
    return raw


def refusals(template, values):
    """Why CloudFormation would refuse these values before any Rule runs (AllowedValues, AllowedPattern,
    MinValue/MaxValue, MinLength/MaxLength)."""
    problems = []
    for name, declaration in template.get("Parameters", {}).items():
        value = values.get(name)
        items = value if isinstance(value, list) else [value]
        for item in items:
            problem = _refusal(declaration, item)
            if problem:
                problems.append(f"{name}={item!r}: {problem}")
    return problems


def _refusal(declaration, item):
    allowed = declaration.get("AllowedValues")
    if allowed is not None and item not in [str(a) for a in allowed]:
        return f"not in AllowedValues {allowed}"
    pattern = declaration.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(pattern, item):
        return f"does not match AllowedPattern {pattern}"
    if declaration.get("Type") == "Number":
        try:
            number = float(item)
        except ValueError:
            return "not a number"
        if "MinValue" in declaration and number < float(declaration["MinValue"]):
            return f"below MinValue {declaration['MinValue']}"
        if "MaxValue" in declaration and number > float(declaration["MaxValue"]):
            return f"above MaxValue {declaration['MaxValue']}"
    if "MinLength" in declaration and len(item) < int(declaration["MinLength"]):
        return f"shorter than MinLength {declaration['MinLength']}"
    if "MaxLength" in declaration and len(item) > int(declaration["MaxLength"]):
        return f"longer than MaxLength {declaration['MaxLength']}"
    return None


def changed_value(template, name, values):
    """Another value of parameter `name` that CloudFormation would accept, to see what a change does."""
    declaration = template["Parameters"][name]
    current = values[name]
    if isinstance(current, list):
        first = current[0] if current and current[0] else "x-0123456789abcdef0"
        candidates = [current + [first + "1"], [first + "1"]]
    else:
        candidates = [str(a) for a in declaration.get("AllowedValues", []) if str(a) != current]
        if declaration.get("Type") == "Number":
            candidates += [str(int(float(current)) + 1), str(int(float(current)) - 1)]
        # An empty default (an optional existing resource) changes to a realistic example first.
        examples = [v for v in (EXISTING_STORES.get(name), FAKE_VALUES.get(name)) if v]
        candidates += (examples if current == "" else []) + [current + "x", current + "1", "changed"]
    for candidate in candidates:
        if candidate != current and not refusals(template, {**values, name: candidate}):
            return candidate
    return None
