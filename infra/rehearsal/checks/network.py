"""Invariant 1: every function in the VPC can reach every AWS API its code calls.

A function in private subnets reaches an AWS service only through a VPC endpoint of it (Interface with
private DNS so the SDK's default hostname resolves to it, and a security group that admits the
function on 443; for S3 a Gateway endpoint on the subnets' route tables) or through a NAT the operator
owns, which they declare with VpcEgress=nat."""
from ..findings import Problem
from ..intrinsics import Symbol
from ..stack import in_vpc

INVARIANT = "vpc-reachability"
GATEWAY_SERVICES = {"s3", "dynamodb"}  # reached through route tables, not through an ENI


def check(deployments, code, results):
    for deployment in deployments:
        nat = deployment.values.get("VpcEgress") == "nat"
        no_nat = ("VpcEgress is not nat" if "VpcEgress" in deployment.values
                  else "the template has no VpcEgress parameter to declare a NAT")
        endpoints = deployment.resources("AWS::EC2::VPCEndpoint")
        for function_id, function in deployment.functions():
            facts = code.get(function_id)
            if facts is None or not in_vpc(function["Properties"]):
                continue
            function_groups = function["Properties"]["VpcConfig"].get("SecurityGroupIds", [])
            for service in sorted(facts.services):
                subject = f"{function_id} -> {service}"
                results.checked(INVARIANT, subject)
                if nat:
                    continue
                problem = _unreachable(deployment, service, endpoints, function_groups, no_nat)
                if problem:
                    results.add(Problem(INVARIANT, subject, problem, _fix(service), deployment.name))


def _fix(service):
    if service in GATEWAY_SERVICES:
        return (f"add an AWS::EC2::VPCEndpoint (Gateway) for com.amazonaws.${{AWS::Region}}.{service} on "
                "RouteTableIds when VpcEgress=endpoints, or deploy with VpcEgress=nat")
    return (f"add an AWS::EC2::VPCEndpoint (Interface, PrivateDnsEnabled: true, a security group admitting "
            f"the functions on 443) for com.amazonaws.${{AWS::Region}}.{service} when VpcEgress=endpoints, "
            "or deploy with VpcEgress=nat")


def _unreachable(deployment, service, endpoints, function_groups, no_nat):
    """Why `service` cannot be reached from the functions' subnets, or None if it can."""
    candidates = [(lid, r["Properties"]) for lid, r in endpoints
                  if str(r["Properties"].get("ServiceName", "")).endswith("." + service)]
    if not candidates:
        return (f"calls {service} from the VPC, but no VPC endpoint of {service} exists in this "
                f"parameter set and {no_nat}")
    reasons = []
    for logical_id, props in candidates:
        reason = _endpoint_problem(deployment, service, props, function_groups)
        if reason is None:
            return None
        reasons.append(f"endpoint {logical_id} {reason}")
    return f"calls {service} from the VPC, but " + "; ".join(reasons)


def _endpoint_problem(deployment, service, props, function_groups):
    kind = props.get("VpcEndpointType", "Gateway")
    vpc = deployment.values.get("VpcId")
    if vpc is not None and props.get("VpcId") != vpc:
        return f"is in VPC {props.get('VpcId')!r}, not the functions' VpcId {vpc!r}"
    if service in GATEWAY_SERVICES:
        if kind != "Gateway":
            return "is not a Gateway endpoint"
        tables = [t for t in props.get("RouteTableIds", []) if t != ""]
        wanted = deployment.values.get("RouteTableIds", [])
        if isinstance(wanted, str):  # a comma-separated String parameter, split where the template uses it
            wanted = wanted.split(",")
        wanted = [t for t in wanted if t != ""]
        missing = [t for t in wanted if t not in tables]
        if not tables or missing:
            return f"is not on every route table of RouteTableIds (missing {missing or 'all'})"
        return None
    if kind != "Interface":
        return "is not an Interface endpoint"
    if props.get("PrivateDnsEnabled") not in (True, "true"):
        return "has PrivateDnsEnabled off, so the SDK's default hostname does not reach it"
    if not [s for s in props.get("SubnetIds", []) if s != ""]:
        return "has no subnets"
    groups = props.get("SecurityGroupIds", [])
    if not groups:
        return "has no security group (the VPC's default group applies, which admits nobody by default)"
    for group in groups:
        if _admits_on_443(deployment, group, function_groups):
            return None
    return f"has no security group admitting the functions' groups {function_groups} on tcp 443"


def _group_id(value):
    """The stack security group a value names (Ref or GetAtt GroupId), else None."""
    if isinstance(value, Symbol) and (value.kind == "Ref" or value.attribute == "GroupId"):
        return value.target
    return None


def _admits_on_443(deployment, group, function_groups):
    group_id = _group_id(group)
    if group_id is None or deployment.evaluator.resource_type(group_id) != "AWS::EC2::SecurityGroup":
        return False  # a group made elsewhere: its rules are not in the template, so not provable here
    rules = list(deployment.resource(group_id)["Properties"].get("SecurityGroupIngress", []))
    for _, ingress in deployment.resources("AWS::EC2::SecurityGroupIngress"):
        if _group_id(ingress["Properties"].get("GroupId")) == group_id:
            rules.append(ingress["Properties"])
    return any(_rule_admits(rule, function_groups) for rule in rules)


def _rule_admits(rule, function_groups):
    protocol = str(rule.get("IpProtocol"))
    if protocol not in ("tcp", "6", "-1"):
        return False
    if protocol != "-1" and not int(rule.get("FromPort", -1)) <= 443 <= int(rule.get("ToPort", -1)):
        return False
    source = rule.get("SourceSecurityGroupId")
    # A CIDR source (the VPC's range) admits the functions' ENIs too.
    return source in function_groups or bool(rule.get("CidrIp") or rule.get("CidrIpv6"))
