"""Invariant 2: a configuration change reaches every published version.

SAM names a function's AWS::Lambda::Version after a hash; a new hash publishes a new version and moves
the alias. samtranslator 1.110 (`_construct_version`) resolves parameter values only in CodeUri and
AutoPublishCodeSha256 before hashing; Environment and the rest are hashed unresolved, so a parameter
change there leaves the alias on the old version with the old configuration. This check does not look
at how the template copes: for each parameter that reaches a versioned function it translates again with
only that value changed and requires a different version logical id. It also requires that new code
(another CodeUri) still publishes: AutoPublishCodeSha256 replaces the whole hash with its first 10
characters (logical_id_generator.py), so a value there that does not follow the code stops code
changes from publishing. Where the template takes a DeploymentRevision (a digest of the code and every
parameter that scripts/deploy computes), each variant is deployed as scripts/deploy would: with the
revision computed again by the project's script."""
from .. import parameters, translate
from ..findings import Problem
from ..stack import sam_functions

INVARIANT = "version-follows-parameters"


# SAM function properties that are not part of a published version's configuration: the role's policies,
# triggers and function-level settings change without a new version, and need none.
NOT_VERSION_CONFIG = {"Policies", "Events", "EventInvokeConfig", "DeploymentPreference", "AutoPublishAlias",
                      "ProvisionedConcurrencyConfig", "ReservedConcurrentExecutions", "Tags",
                      "PermissionsBoundary", "RolePath", "FunctionUrlConfig", "VersionDescription",
                      "AutoPublishAliasAllProperties", "VersionDeletionPolicy"}


def parameters_reaching(sam_template, function_id):
    """Template parameters the function's version configuration (its properties and Globals.Function)
    refers to: by Ref, inside Fn::Sub strings, or through the Conditions of an Fn::If."""
    declared = set(sam_template.get("Parameters", {}))
    found = set()
    seen_conditions = set()

    def walk(node):
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "Ref" and isinstance(value, str):
                    found.add(value)
                elif key == "Fn::Sub":
                    text = value[0] if isinstance(value, list) else value
                    found.update(n.split(".")[0] for n in _sub_names(text))
                    if isinstance(value, list):
                        walk(value[1])
                elif key == "Fn::If":
                    condition(value[0])
                    walk(value[1:])
                elif key == "Condition" and isinstance(value, str):
                    condition(value)
                else:
                    walk(value)

    def condition(name):
        if name not in seen_conditions:
            seen_conditions.add(name)
            walk(sam_template.get("Conditions", {}).get(name))

    for properties in (sam_template.get("Globals", {}).get("Function", {}),
                       sam_template["Resources"][function_id].get("Properties", {})):
        walk({k: v for k, v in properties.items() if k not in NOT_VERSION_CONFIG})
    return sorted(found & declared)


def _sub_names(text):
    import re
    return [n for n in re.findall(r"\$\{([^}!][^}]*)\}", text)]


def _publishes_versions(sam_template, function_id):
    globals_alias = sam_template.get("Globals", {}).get("Function", {}).get("AutoPublishAlias")
    return bool(sam_template["Resources"][function_id].get("Properties", {}).get(
        "AutoPublishAlias", globals_alias))


def check(base, results):
    """`base` is the production deployment; each parameter variant is translated once."""
    sam_template = base.sam_template
    variants = {}
    for function_id in sam_functions(sam_template):
        if not _publishes_versions(sam_template, function_id):
            continue
        version = base.version_of(function_id)
        subject = f"{function_id} <- code"
        results.checked(INVARIANT, subject)
        if "new code" not in variants:
            try:
                new_code = "s3://rehearsal-bucket/new-code.zip"
                variants["new code"] = translate.translate(
                    sam_template, parameters.with_revision(sam_template, base.values, new_code), code_uri=new_code)
            except translate.TransformFailed as e:
                variants["new code"] = str(e)
        if isinstance(variants["new code"], str):
            results.add(Problem(INVARIANT, subject, f"with new code the transform fails: {variants['new code']}",
                                "fix the template", base.name))
        elif _version_in(variants["new code"], function_id) == version:
            results.add(Problem(INVARIANT, subject,
                                f"new code (another CodeUri) keeps version {version}, so alias live stays on the "
                                "old code", "do not set AutoPublishCodeSha256 to anything but the code's hash",
                                base.name))
        for name in sorted(set(parameters_reaching(sam_template, function_id)) - {parameters.REVISION}):
            subject = f"{function_id} <- {name}"
            results.checked(INVARIANT, subject)
            if name not in variants:
                changed = parameters.changed_value(sam_template, name, base.values)
                try:
                    variants[name] = (changed, None if changed is None else translate.translate(
                        sam_template, parameters.with_revision(sam_template, {**base.values, name: changed})))
                except translate.TransformFailed as e:
                    variants[name] = (changed, str(e))
            changed, template = variants[name]
            if isinstance(template, str):
                results.add(Problem(INVARIANT, subject, f"with {name}={_show(changed)} the transform fails: "
                                    f"{template}", "fix the template", base.name))
                continue
            if changed is None:
                continue  # the template accepts no other value: a deploy cannot change it, so no version goes stale
            changed_version = _version_in(template, function_id)
            if changed_version == version:
                results.add(Problem(
                    INVARIANT, subject,
                    f"changing {name} ({_show(base.values[name])} -> {_show(changed)}) keeps version "
                    f"{version}, so alias live stays on the old configuration",
                    "resolve parameters before the Serverless transform (Transform: [AWS::LanguageExtensions, "
                    "AWS::Serverless-2016-10-31]) or keep the parameter out of versioned functions", base.name))


def _version_in(template, function_id):
    return next((lid for lid, r in template["Resources"].items() if r.get("Type") == "AWS::Lambda::Version"
                 and r.get("Properties", {}).get("FunctionName") == {"Ref": function_id}), None)


def _show(value):
    return ",".join(value) if isinstance(value, list) else repr(value)
