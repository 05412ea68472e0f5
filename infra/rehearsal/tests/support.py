"""Shared by the self-tests: the fixture templates and the code facts of their functions."""
import os

from rehearsal import template_io
from rehearsal.code_scan import FunctionCode
from rehearsal.rehearsal import rehearse

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")

# What the fixtures' functions' code would call, as code_scan would derive it from their classes.
FIXTURE_CODE = {
    "VerifierFunction": FunctionCode(module="functions/verifier", actions={"secretsmanager:GetSecretValue"},
                                     services={"secretsmanager"}),
    "MigrateFunction": FunctionCode(module="functions/migrate", actions={"secretsmanager:GetSecretValue"},
                                    services={"secretsmanager"}),
}


def good_template():
    return template_io.load_template(os.path.join(FIXTURES, "good.yaml"))


def broken_fixtures():
    """(file name, template, [(invariant, subject)] it must produce) for every file in fixtures/broken/.

    Each file is an overlay on good.yaml (null deletes a key) whose `# expect: <invariant> <subject>`
    lines name the findings it must cause."""
    directory = os.path.join(FIXTURES, "broken")
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        expected = [tuple(line.split(":", 1)[1].strip().split(" ", 1)) for line in text.splitlines()
                    if line.startswith("# expect:")]
        yield name, template_io.deep_merge(good_template(), template_io.load_template_text(text) or {}), expected


def run(template, code=None):
    code = FIXTURE_CODE if code is None else code

    def read_code(handlers, serving):
        result = {}
        for function_id in handlers:
            facts = code[function_id]
            copy = FunctionCode(module=facts.module, actions=set(facts.actions), services=set(facts.services),
                                signs_tokens=facts.signs_tokens)
            if function_id in serving:
                copy.services.add("s3")  # as code_scan.function_code does for custom resource functions
            result[function_id] = copy
        return result

    return rehearse(template, read_code)
