"""Parameter values as CloudFormation accepts them, and the changes the version check tries."""
import unittest

from rehearsal import parameters
from rehearsal.template_io import load_template_text

TEMPLATE = load_template_text("""
Parameters:
  Stage: {Type: String, Default: prod, AllowedPattern: "[a-z0-9-]{1,20}"}
  Egress: {Type: String, Default: endpoints, AllowedValues: [endpoints, nat]}
  Shards: {Type: Number, Default: 1, MinValue: 1, MaxValue: 2}
  SubnetIds: {Type: CommaDelimitedList, Default: ""}
  RedisUrl: {Type: String, Default: ""}
""")


class Values(unittest.TestCase):
    def test_defaults_and_lists(self):
        values = parameters.resolve_values(TEMPLATE, {"SubnetIds": "subnet-a,subnet-b", "Undeclared": "x"})
        self.assertEqual({"Stage": "prod", "Egress": "endpoints", "Shards": "1",
                          "SubnetIds": ["subnet-a", "subnet-b"], "RedisUrl": ""}, values)
        # An empty CommaDelimitedList is a list of one empty string, as CloudFormation gives it.
        self.assertEqual([""], parameters.resolve_values(TEMPLATE, {})["SubnetIds"])

    def test_refusals(self):
        values = parameters.resolve_values(TEMPLATE, {})
        self.assertEqual([], parameters.refusals(TEMPLATE, values))
        refused = parameters.refusals(TEMPLATE, {**values, "Stage": "Prod!", "Egress": "vpn", "Shards": "3"})
        self.assertEqual(3, len(refused), refused)


class Changes(unittest.TestCase):
    def test_a_change_is_accepted_and_different(self):
        values = parameters.resolve_values(TEMPLATE, {})
        self.assertEqual("nat", parameters.changed_value(TEMPLATE, "Egress", values))
        self.assertEqual("2", parameters.changed_value(TEMPLATE, "Shards", values))
        self.assertEqual("prodx", parameters.changed_value(TEMPLATE, "Stage", values))
        # An optional existing resource changes to a realistic value, not to garbage.
        self.assertTrue(parameters.changed_value(TEMPLATE, "RedisUrl", values).startswith("rediss://"))
