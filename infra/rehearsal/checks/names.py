"""Invariant 4: names that must be unique in the account do not collide between two stages.

Two stacks (Stage prod in nuscape-prod, Stage staging in nuscape-staging) in one account: every
account-unique name must differ between them. A name built from a stack resource's physical id (a Ref
or GetAtt placeholder) is unique already, since CloudFormation derives those from the stack name."""
from ..findings import Problem
from ..intrinsics import PartialString

INVARIANT = "unique-names"

# Resource type -> the property that names it account-wide (or region-wide).
NAME_PROPERTIES = {
    "AWS::Scheduler::Schedule": "Name",          # unique within its schedule group ("default")
    "AWS::Scheduler::ScheduleGroup": "Name",
    "AWS::RDS::DBProxy": "DBProxyName",
    "AWS::RDS::DBInstance": "DBInstanceIdentifier",
    "AWS::RDS::DBSubnetGroup": "DBSubnetGroupName",
    "AWS::ElastiCache::ServerlessCache": "ServerlessCacheName",
    "AWS::ElastiCache::SubnetGroup": "CacheSubnetGroupName",
    "AWS::MemoryDB::Cluster": "ClusterName",
    "AWS::MemoryDB::SubnetGroup": "SubnetGroupName",
    "AWS::MemoryDB::ParameterGroup": "ParameterGroupName",
    "AWS::MemoryDB::ACL": "ACLName",
    "AWS::MemoryDB::User": "UserName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::IAM::Role": "RoleName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Events::Rule": "Name",
    "AWS::CloudWatch::Alarm": "AlarmName",
}
SCHEDULE_NAME_LIMIT = 64


def check(first, second, results):
    """`first` and `second`: deployments of two stages in one account."""
    names_second = {}
    for logical_id, resource in second.resources(*NAME_PROPERTIES):
        name = resource["Properties"].get(NAME_PROPERTIES[resource["Type"]])
        if name is not None:
            names_second.setdefault((resource["Type"], name), []).append(logical_id)
    for logical_id, resource in first.resources(*NAME_PROPERTIES):
        kind = resource["Type"]
        name = resource["Properties"].get(NAME_PROPERTIES[kind])
        if kind == "AWS::Scheduler::Schedule":
            results.checked(INVARIANT, logical_id)
            _schedule_name(logical_id, name, first.name, results)
            second_resource = second.resource(logical_id)
            if second_resource is not None:
                _schedule_name(logical_id, second_resource["Properties"].get("Name"), second.name, results)
        if name is None:
            continue  # CloudFormation generates a unique one
        results.checked(INVARIANT, logical_id)
        if _stack_unique(name):
            continue
        clash = names_second.get((kind, name))
        if clash:
            results.add(Problem(
                INVARIANT, logical_id,
                f"{NAME_PROPERTIES[kind]} {str(name)!r} is the same in stage {second.values.get('Stage')!r}"
                f" ({', '.join(clash)}), so the second stage's deploy fails or takes over the first's",
                "put ${AWS::StackName} (or ${Stage}) into the name", f"{first.name} vs {second.name}"))


def _schedule_name(logical_id, name, set_name, results):
    if not name:
        results.add(Problem(INVARIANT, logical_id, "schedule has no Name",
                            "give the ScheduleV2 event an explicit Name with ${AWS::StackName}", set_name))
    elif len(str(name)) > SCHEDULE_NAME_LIMIT and not _stack_unique(name):
        results.add(Problem(INVARIANT, logical_id,
                            f"schedule Name {str(name)!r} is {len(str(name))} characters, over "
                            f"{SCHEDULE_NAME_LIMIT}", "shorten it", set_name))


def _stack_unique(name):
    return isinstance(name, PartialString) and bool(name.resources)
