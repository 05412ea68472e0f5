"""The evaluator against CloudFormation's semantics, one intrinsic at a time."""
import unittest

from rehearsal.intrinsics import Evaluator, PartialString, Symbol, failing_rules
from rehearsal.template_io import load_template_text

TEMPLATE = load_template_text("""
Parameters:
  Stage: {Type: String}
  SubnetIds: {Type: CommaDelimitedList}
  Shards: {Type: Number}
Conditions:
  InVpc: !Not [!Equals [!Join ["", !Ref SubnetIds], ""]]
  IsProd: !Equals [!Ref Stage, prod]
  ProdInVpc: !And [!Condition IsProd, !Condition InVpc]
  EitherOne: !Or [!Condition IsProd, !Equals [!Ref Shards, 2]]
Rules:
  SubnetsGiven:
    RuleCondition: !Equals [!Ref Stage, prod]
    Assertions:
      - Assert: !Not [!Contains [!Ref SubnetIds, ""]]
        AssertDescription: subnets are required
      - Assert: !EachMemberEquals [!Ref SubnetIds, subnet-a]
        AssertDescription: only subnet-a
Resources:
  Queue: {Type: AWS::SQS::Queue}
  Bucket: {Type: AWS::S3::Bucket, Condition: IsProd}
""")


def evaluator(stage="prod", subnets=("subnet-a",), shards="1"):
    return Evaluator(TEMPLATE, {"Stage": stage, "SubnetIds": list(subnets), "Shards": shards},
                     stack_name="nuscape-test")


class Conditions(unittest.TestCase):
    def test_equals_not_join_over_a_list(self):
        self.assertTrue(evaluator().condition("InVpc"))
        self.assertFalse(evaluator(subnets=[""]).condition("InVpc"))

    def test_and_or_condition(self):
        self.assertTrue(evaluator().condition("ProdInVpc"))
        self.assertFalse(evaluator(stage="dev").condition("ProdInVpc"))
        self.assertTrue(evaluator(stage="dev", shards="2").condition("EitherOne"))
        self.assertFalse(evaluator(stage="dev").condition("EitherOne"))

    def test_resources_follow_their_condition(self):
        self.assertTrue(evaluator().resource_exists("Bucket"))
        self.assertFalse(evaluator(stage="dev").resource_exists("Bucket"))


class Values(unittest.TestCase):
    def test_if_and_no_value(self):
        e = evaluator(stage="dev")
        value = e.evaluate({"A": {"Fn::If": ["IsProd", "x", {"Ref": "AWS::NoValue"}]},
                            "B": [{"Fn::If": ["IsProd", "x", {"Ref": "AWS::NoValue"}]}, "y"]})
        self.assertEqual({"B": ["y"]}, value)

    def test_sub_with_parameters_pseudo_parameters_and_variables(self):
        e = evaluator()
        self.assertEqual("nuscape-test-prod-eu-west-1", e.evaluate({"Fn::Sub": "${AWS::StackName}-${Stage}-${AWS::Region}"}))
        self.assertEqual("a-prod-${Literal}", e.evaluate({"Fn::Sub": ["${X}-${Stage}-${!Literal}", {"X": "a"}]}))

    def test_resource_references_stay_symbolic(self):
        e = evaluator()
        self.assertEqual(Symbol("Ref", "Queue"), e.evaluate({"Ref": "Queue"}))
        value = e.evaluate({"Fn::Sub": "https://${Queue.QueueName}/x?sslmode=verify-full"})
        self.assertIsInstance(value, PartialString)
        self.assertEqual({"Queue"}, set(value.resources))
        self.assertIn("sslmode=verify-full", value)

    def test_select_split_join(self):
        e = evaluator(subnets=["subnet-a", "subnet-b"])
        self.assertEqual("subnet-b", e.evaluate({"Fn::Select": [1, {"Ref": "SubnetIds"}]}))
        self.assertEqual(["a", "b"], e.evaluate({"Fn::Split": [",", "a,b"]}))
        self.assertEqual("subnet-a|subnet-b", e.evaluate({"Fn::Join": ["|", {"Ref": "SubnetIds"}]}))


class Rules(unittest.TestCase):
    def test_assertions_fail_with_their_description(self):
        self.assertEqual([], failing_rules(TEMPLATE, evaluator()))
        self.assertEqual(["SubnetsGiven: subnets are required", "SubnetsGiven: only subnet-a"],
                         failing_rules(TEMPLATE, evaluator(subnets=[""])))

    def test_rule_condition_limits_the_rule(self):
        self.assertEqual([], failing_rules(TEMPLATE, evaluator(stage="dev", subnets=[""])))
