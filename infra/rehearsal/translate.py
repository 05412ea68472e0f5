"""Expands a SAM template with the SAM translator that cfn-lint ships, as the CloudFormation transform does.

cfn-lint calls `Translator(managed_policy_map, sam_parser).translate(sam_template, parameter_values)`
(cfnlint/template/transforms/_sam.py); we do the same, but with real parameter values: the translator
merges the template's defaults and the pseudo-parameters into them (SamParameterValues) and resolves
parameter references in CodeUri and AutoPublishCodeSha256 with them before hashing the version
(sam_resources.py `_construct_version`). That hash is exactly what the version check needs to see."""
import copy
import os

import boto3
from cfnlint.data import Serverless
from cfnlint.helpers import load_resource
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.parser import parser
from samtranslator.translator.translator import Translator

REGION = "eu-west-1"
FAKE_CODE_URI = "s3://rehearsal-bucket/code.zip"
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"

_managed_policy_map = None


class TransformFailed(Exception):
    """The Serverless transform rejects the template: CloudFormation would fail the change set."""


def _managed_policies():
    # The same offline map of AWS managed policy names to ARNs that cfn-lint (and sam-cli) use.
    global _managed_policy_map
    if _managed_policy_map is None:
        _managed_policy_map = load_resource(Serverless, "ManagedPolicies.json")
    return _managed_policy_map


def translator_parameter_values(template, values):
    """The values CloudFormation hands the transform: given ones for declared parameters only.

    CommaDelimitedList values are passed as lists, the form `Ref` of such a parameter has."""
    declared = template.get("Parameters", {})
    return {name: value for name, value in values.items() if name in declared}


def _resolve_parameter_refs(node, values):
    """What AWS::LanguageExtensions does before the Serverless transform runs, as cfn-lint emulates it
    (cfnlint/template/transforms/_sam.py `_replace_variables_with_language_extension`): every
    `Ref` to a parameter in Resources becomes the parameter's value."""
    if isinstance(node, dict):
        if len(node) == 1 and isinstance(node.get("Ref"), str) and node["Ref"] in values:
            return copy.deepcopy(values[node["Ref"]])
        return {k: _resolve_parameter_refs(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_parameter_refs(v, values) for v in node]
    return node


def translate(template, values, code_uri=FAKE_CODE_URI):
    """The template after the transforms, for one set of parameter values and one code location."""
    sam_template = copy.deepcopy(template)
    transforms = sam_template.get("Transform", [])
    transforms = transforms if isinstance(transforms, list) else [transforms]
    if LANGUAGE_EXTENSIONS in transforms:
        declared = translator_parameter_values(template, values)
        sam_template["Resources"] = _resolve_parameter_refs(sam_template.get("Resources", {}), declared)
    for resource in sam_template.get("Resources", {}).values():
        # Local paths (CodeUri: infra/sam) are for sam build; the transform sees an S3 location. A fixed
        # one keeps the version hash a function of everything else.
        if resource.get("Type") == "AWS::Serverless::Function":
            props = resource.setdefault("Properties", {})
            if isinstance(props.get("CodeUri", ""), str) and not props.get("InlineCode"):
                props["CodeUri"] = code_uri
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    translator = Translator(managed_policy_map=_managed_policies(), sam_parser=parser.Parser(),
                            boto_session=boto3.session.Session(region_name=REGION))
    try:
        return translator.translate(sam_template=sam_template,
                                    parameter_values=translator_parameter_values(template, values),
                                    passthrough_metadata=True)
    except InvalidDocumentException as e:
        raise TransformFailed("; ".join(str(getattr(c, "message", c)) for c in e.causes)) from e
