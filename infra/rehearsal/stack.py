"""One rehearsed deploy: a parameter set, the translated template and an evaluator over it, and the
questions every check asks of it (which functions exist, in the VPC or not, with which role)."""
from dataclasses import dataclass

from . import intrinsics, parameters, translate


@dataclass
class Deployment:
    parameter_set: parameters.ParameterSet
    sam_template: dict
    template: dict                     # after the Serverless transform
    evaluator: intrinsics.Evaluator
    refused: list                      # why CloudFormation would refuse it up front ([] if it would not)
    error: str = ""                    # why the transform failed (then template and evaluator are None)

    @property
    def name(self):
        return self.parameter_set.name

    @property
    def values(self):
        return self.parameter_set.values

    def resources(self, *types):
        return list(self.evaluator.resources(*types))

    def resource(self, logical_id):
        if not self.evaluator.resource_exists(logical_id):
            return None
        raw = self.template["Resources"][logical_id]
        return dict(raw, Properties=self.evaluator.evaluate(raw.get("Properties", {})))

    def functions(self):
        return self.resources("AWS::Lambda::Function")

    def function_behind(self, value):
        """The AWS::Lambda::Function a ServiceToken/Target points at: the function, its alias or version."""
        if not isinstance(value, intrinsics.Symbol):
            return None
        kind = self.evaluator.resource_type(value.target)
        if kind == "AWS::Lambda::Function":
            return value.target
        if kind in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
            target = self.template["Resources"][value.target]["Properties"].get("FunctionName")
            return self.function_behind(self.evaluator.evaluate(target))
        return None

    def version_of(self, function_id):
        """Logical id of the AWS::Lambda::Version SAM publishes for a function (its hash is in the id)."""
        for logical_id, resource in self.template["Resources"].items():
            if resource.get("Type") == "AWS::Lambda::Version" and resource.get("Properties", {}).get(
                    "FunctionName") == {"Ref": function_id}:
                return logical_id
        return None


def deploy(sam_template, parameter_set):
    refused = [f"parameter {p}" for p in parameters.refusals(sam_template, parameter_set.values)]
    try:
        template = translate.translate(sam_template, parameter_set.values)
    except translate.TransformFailed as e:
        return Deployment(parameter_set, sam_template, None, None, refused, error=str(e))
    evaluator = intrinsics.Evaluator(template, parameter_set.values, stack_name=parameter_set.stack_name)
    refused += [f"rule {r}" for r in intrinsics.failing_rules(template, evaluator)]
    return Deployment(parameter_set, sam_template, template, evaluator, refused)


def in_vpc(function_properties):
    vpc = function_properties.get("VpcConfig") or {}
    subnets = [s for s in vpc.get("SubnetIds", []) if s != ""]
    return bool(subnets)


def function_sam_properties(sam_template, logical_id):
    """A SAM function's properties with Globals.Function merged under them (as SAM does, shallowly)."""
    merged = dict(sam_template.get("Globals", {}).get("Function", {}))
    merged.update(sam_template["Resources"][logical_id].get("Properties", {}))
    return merged


def sam_functions(sam_template):
    return [logical_id for logical_id, r in sam_template.get("Resources", {}).items()
            if r.get("Type") == "AWS::Serverless::Function"]
