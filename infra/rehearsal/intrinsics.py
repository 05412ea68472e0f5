"""Evaluates a (translated) template for one concrete parameter set, as CloudFormation would at deploy.

Parameters and pseudo-parameters become values; Conditions, Fn::If, Fn::Equals/Not/And/Or, Fn::Join,
Fn::Select, Fn::Split, Fn::Sub and Fn::FindInMap are computed. What only exists once resources are
created (Ref to a resource, Fn::GetAtt) stays symbolic: a `Symbol`, or inside strings a placeholder
`${Ref:X}` / `${GetAtt:X.Attr}` in a `PartialString`, so checks can still read the literal parts
("sslmode=verify-full") and know which resources a value points at."""
import re

NO_VALUE = object()  # AWS::NoValue: the key or list item disappears

PSEUDO_PARAMETERS = {
    "AWS::Region": "eu-west-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/nuscape/0",
    "AWS::NotificationARNs": [],
}


class EvaluationError(Exception):
    pass


class Symbol:
    """A value known only after deploy: `Ref` to a resource or `GetAtt`."""

    def __init__(self, kind, target, attribute=None):
        self.kind, self.target, self.attribute = kind, target, attribute

    def __eq__(self, other):
        return isinstance(other, Symbol) and (self.kind, self.target, self.attribute) == (
            other.kind, other.target, other.attribute)

    def __hash__(self):
        return hash((self.kind, self.target, self.attribute))

    def placeholder(self):
        return "${Ref:%s}" % self.target if self.kind == "Ref" else "${GetAtt:%s.%s}" % (
            self.target, self.attribute)

    def __repr__(self):
        return self.placeholder()


class SymbolicParts:
    """`Fn::Split` of a value known only after deploy: its parts are known after deploy too."""

    def __init__(self, source, delimiter):
        self.source, self.delimiter = source, delimiter

    def part(self, index):
        return Symbol(self.source.kind, self.source.target,
                      "%s.split(%r)[%d]" % (self.source.attribute, self.delimiter, index))


class PartialString(str):
    """A string with placeholders for symbolic parts; `resources` names the resources it depends on."""

    def __new__(cls, text, resources):
        obj = super().__new__(cls, text)
        obj.resources = frozenset(resources)
        return obj


def resources_in(value):
    """Logical ids of the resources a (partly) evaluated value refers to."""
    if isinstance(value, Symbol):
        return {value.target}
    if isinstance(value, PartialString):
        return set(value.resources)
    if isinstance(value, dict):
        return set().union(*(resources_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(resources_in(v) for v in value)) if value else set()
    return set()


def _text(value):
    if isinstance(value, Symbol):
        return value.placeholder(), {value.target}
    if isinstance(value, PartialString):
        return str(value), set(value.resources)
    if isinstance(value, bool):
        return ("true" if value else "false"), set()
    if isinstance(value, (str, int, float)):
        return str(value), set()
    raise EvaluationError(f"cannot use {value!r} as a string")


def _join(delimiter, items):
    texts, resources = [], set()
    for item in items:
        text, refs = _text(item)
        texts.append(text)
        resources |= refs
    joined = delimiter.join(texts)
    return PartialString(joined, resources) if resources else joined


class Evaluator:
    def __init__(self, template, parameter_values, stack_name="nuscape-prod"):
        self.template = template
        self.parameters = dict(parameter_values)
        self.pseudo = dict(PSEUDO_PARAMETERS, **{"AWS::StackName": stack_name})
        self._conditions = {}

    # ---------------------------------------------------------------- conditions and resources
    def condition(self, name):
        if name not in self._conditions:
            definitions = self.template.get("Conditions", {})
            if name not in definitions:
                raise EvaluationError(f"unknown condition {name}")
            self._conditions[name] = None  # cycle guard
            self._conditions[name] = bool(self._truth(self.evaluate(definitions[name])))
        if self._conditions[name] is None:
            raise EvaluationError(f"condition {name} depends on itself")
        return self._conditions[name]

    def resource_exists(self, logical_id):
        resource = self.template.get("Resources", {}).get(logical_id)
        if resource is None:
            return False
        return "Condition" not in resource or self.condition(resource["Condition"])

    def resources(self, *types):
        """(logical id, resource with evaluated Properties) of every resource this parameter set makes."""
        for logical_id, resource in self.template.get("Resources", {}).items():
            if types and resource.get("Type") not in types:
                continue
            if self.resource_exists(logical_id):
                evaluated = dict(resource)
                evaluated["Properties"] = self.evaluate(resource.get("Properties", {}))
                yield logical_id, evaluated

    def resource_type(self, logical_id):
        return self.template.get("Resources", {}).get(logical_id, {}).get("Type")

    # ---------------------------------------------------------------- values
    def evaluate(self, node):
        if isinstance(node, list):
            items = [self.evaluate(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, argument), = node.items()
            handler = _INTRINSICS.get(key)
            if handler is not None:
                return handler(self, argument)
            if key.startswith("Fn::"):
                # Fn::Base64, Fn::GetAZs, Fn::ImportValue, ...: no check reads them; an opaque string
                # keeps their place.
                return PartialString("${%s}" % key, ())
        result = {}
        for key, value in node.items():
            value = self.evaluate(value)
            if value is not NO_VALUE:
                result[key] = value
        return result

    def _truth(self, value):
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise EvaluationError(f"not a boolean: {value!r}")

    def ref(self, name):
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.template.get("Resources", {}):
            return Symbol("Ref", name)
        raise EvaluationError(f"Ref to unknown name {name}")

    def _ref(self, argument):
        return self.ref(argument)

    def _get_att(self, argument):
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        logical_id, attribute = argument[0], self.evaluate(argument[1])
        return Symbol("GetAtt", logical_id, attribute)

    def _if(self, argument):
        name, when_true, when_false = argument
        return self.evaluate(when_true if self.condition(name) else when_false)

    def _condition(self, argument):
        return self.condition(argument)

    def _equals(self, argument):
        left, right = (self.evaluate(a) for a in argument)
        # CloudFormation compares the string forms: a Number parameter "1" equals 1.
        return _plain(left) == _plain(right)

    def _not(self, argument):
        return not self._truth(self.evaluate(argument[0]))

    def _and(self, argument):
        return all(self._truth(self.evaluate(a)) for a in argument)

    def _or(self, argument):
        return any(self._truth(self.evaluate(a)) for a in argument)

    def _join_fn(self, argument):
        delimiter, items = argument[0], self.evaluate(argument[1])
        if not isinstance(items, list):
            raise EvaluationError(f"Fn::Join needs a list, got {items!r}")
        return _join(delimiter, items)

    def _select(self, argument):
        index, items = self.evaluate(argument[0]), self.evaluate(argument[1])
        if isinstance(items, SymbolicParts):
            return items.part(int(index))
        if not isinstance(items, list):
            raise EvaluationError(f"Fn::Select needs a list, got {items!r}")
        index = int(index)
        if not 0 <= index < len(items):
            raise EvaluationError(f"Fn::Select index {index} outside a list of {len(items)}")
        return items[index]

    def _split(self, argument):
        delimiter, text = argument[0], self.evaluate(argument[1])
        if isinstance(text, Symbol):
            return SymbolicParts(text, delimiter)
        if isinstance(text, PartialString):
            return [PartialString(part, text.resources) for part in str(text).split(delimiter)]
        return text.split(delimiter)

    def _sub(self, argument):
        if isinstance(argument, list):
            text, variables = argument[0], {k: self.evaluate(v) for k, v in argument[1].items()}
        else:
            text, variables = argument, {}
        resources = set()

        def replace(match):
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"  # ${!Literal}
            if name in variables:
                value = variables[name]
            elif "." in name:
                logical_id, attribute = name.split(".", 1)
                value = Symbol("GetAtt", logical_id, attribute)
            else:
                value = self.ref(name)
            rendered, refs = _text(value)
            resources.update(refs)
            return rendered

        result = re.sub(r"\$\{([^}]+)\}", replace, text)
        return PartialString(result, resources) if resources else result

    def _find_in_map(self, argument):
        name, first, second = (self.evaluate(a) for a in argument)
        return self.template["Mappings"][name][first][second]

    # Rules-only functions
    def _contains(self, argument):
        items, value = self.evaluate(argument[0]), self.evaluate(argument[1])
        return _plain(value) in [_plain(i) for i in items]

    def _each_member_equals(self, argument):
        items, value = self.evaluate(argument[0]), self.evaluate(argument[1])
        return all(_plain(i) == _plain(value) for i in items)

    def _each_member_in(self, argument):
        items, allowed = self.evaluate(argument[0]), self.evaluate(argument[1])
        return all(_plain(i) in [_plain(a) for a in allowed] for i in items)


def _plain(value):
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


_INTRINSICS = {
    "Ref": Evaluator._ref,
    "Fn::GetAtt": Evaluator._get_att,
    "Fn::If": Evaluator._if,
    "Condition": Evaluator._condition,
    "Fn::Equals": Evaluator._equals,
    "Fn::Not": Evaluator._not,
    "Fn::And": Evaluator._and,
    "Fn::Or": Evaluator._or,
    "Fn::Join": Evaluator._join_fn,
    "Fn::Select": Evaluator._select,
    "Fn::Split": Evaluator._split,
    "Fn::Sub": Evaluator._sub,
    "Fn::FindInMap": Evaluator._find_in_map,
    "Fn::Contains": Evaluator._contains,
    "Fn::EachMemberEquals": Evaluator._each_member_equals,
    "Fn::EachMemberIn": Evaluator._each_member_in,
}


def failing_rules(template, evaluator):
    """Names of the template's Rules whose assertions fail for the evaluator's parameters: CloudFormation
    refuses such a deploy before it creates anything."""
    failed = []
    for name, rule in template.get("Rules", {}).items():
        if "RuleCondition" in rule and not evaluator._truth(evaluator.evaluate(rule["RuleCondition"])):
            continue
        for assertion in rule.get("Assertions", []):
            if not evaluator._truth(evaluator.evaluate(assertion["Assert"])):
                failed.append(f"{name}: {assertion.get('AssertDescription', 'assertion fails')}")
    return failed
