"""Invariant 3: every alarm notifies someone, when it fires and when it clears.

AlarmActions and OKActions must be non-empty, and each action an SNS topic: one of the stack's (which
then needs a subscription, or nobody is told) or a topic ARN given as a parameter. A stack topic that is
encrypted must use a key whose policy lets CloudWatch use it (kms:GenerateDataKey* and kms:Decrypt for
cloudwatch.amazonaws.com): the AWS-managed alias/aws/sns key cannot, and CloudWatch then drops every
notification without a sign (SNS developer guide, "Enable compatibility between event sources from AWS
services and encrypted topics")."""
from ..findings import Problem
from ..intrinsics import Symbol

INVARIANT = "alarm-actions"
ALARM_TYPES = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")


def check(deployments, results):
    for deployment in deployments:
        subscriptions = {_target(r["Properties"].get("TopicArn"))
                         for _, r in deployment.resources("AWS::SNS::Subscription")}
        for alarm_id, alarm in deployment.resources(*ALARM_TYPES):
            results.checked(INVARIANT, alarm_id)
            for field in ("AlarmActions", "OKActions"):
                problem = _actions_problem(deployment, alarm["Properties"].get(field, []), subscriptions)
                if problem:
                    results.add(Problem(INVARIANT, alarm_id, f"{field} {problem}",
                                        f"set {field} to the stack's alarm topic (subscribed by AlarmEmail)",
                                        deployment.name))


def _target(value):
    return value.target if isinstance(value, Symbol) else value


def _actions_problem(deployment, actions, subscriptions):
    if not actions:
        return "is empty: nobody is notified"
    for action in actions:
        if isinstance(action, Symbol):
            if deployment.evaluator.resource_type(action.target) != "AWS::SNS::Topic":
                return f"names {action.target}, which is not an SNS topic"
            topic = deployment.resource(action.target)
            if topic is None:
                return f"names topic {action.target}, which this parameter set does not create"
            if not topic["Properties"].get("Subscription") and action.target not in subscriptions:
                return f"names topic {action.target}, which has no subscription"
            key_problem = _key_problem(deployment, topic["Properties"].get("KmsMasterKeyId"))
            if key_problem:
                return f"names topic {action.target}, {key_problem}"
        elif not (isinstance(action, str) and action.startswith("arn:") and ":sns:" in action):
            return f"has {action!r}, which is not an SNS topic ARN"
    return None


def _key_problem(deployment, key):
    """Why CloudWatch could not publish to a topic encrypted with `key`, or None."""
    if key is None:
        return None
    if not isinstance(key, Symbol) or deployment.evaluator.resource_type(key.target) != "AWS::KMS::Key":
        return f"encrypted with {key!r}, whose key policy the stack cannot show lets CloudWatch publish"
    policy = deployment.resource(key.target)["Properties"].get("KeyPolicy", {})
    for statement in policy.get("Statement", []):
        principal = statement.get("Principal", {})
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        services = services if isinstance(services, list) else [services]
        actions = statement.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        if (statement.get("Effect") == "Allow" and "cloudwatch.amazonaws.com" in services
                and "kms:Decrypt" in actions and any(a.startswith("kms:GenerateDataKey") for a in actions)):
            return None
    return f"encrypted with key {key.target}, whose policy does not let cloudwatch.amazonaws.com use it"
