"""Reads CloudFormation/SAM YAML, short-form intrinsics (!Ref, !Sub, !If, ...) included."""
import copy

import yaml


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns `!Fn x` tags into the long form `{"Fn::Fn": x}` CloudFormation uses."""


def _construct_intrinsic(loader, tag_suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        # "Database.MasterUserSecret.SecretArn": the logical id ends at the first dot.
        logical_id, _, attribute = value.partition(".")
        value = [logical_id, attribute]
    return {"Fn::" + tag_suffix: value}


_CfnLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template_text(text):
    return yaml.load(text, Loader=_CfnLoader)


def load_template(path):
    with open(path, encoding="utf-8") as f:
        return load_template_text(f.read())


def deep_merge(base, overlay):
    """A copy of `base` with `overlay` merged in; a None value in `overlay` deletes the key.

    Used by the self-tests: a broken fixture is the good fixture plus a small overlay."""
    result = copy.deepcopy(base)
    for key, value in overlay.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict) and not _is_intrinsic(value):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _is_intrinsic(value):
    return len(value) == 1 and next(iter(value)) in ("Ref", "Condition") or any(
        k.startswith("Fn::") for k in value)
