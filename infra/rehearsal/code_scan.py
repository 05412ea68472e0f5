"""What each function's code calls on AWS, read from the compiled classes (javap), not from a list.

Function -> Maven module: infra/sam/Makefile's `build-<LogicalId>` target names the module it packages.
Module -> modules it ships with: the io.nuscape dependencies of its pom (test scope excluded), transitively.
Classes -> calls: `javap -c -p` of every class in those modules; an invoke of
`software/amazon/awssdk/services/<pkg>/<Svc>Client.<operation>` is the IAM action `<prefix>:<Operation>`
and needs network access to that service; `RdsUtilities.generateAuthenticationToken` is `rds-db:connect`
(a token signed locally, no endpoint needed)."""
import glob
import hashlib
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

# SDK v2 package -> (IAM action prefix, VPC endpoint service name), where they differ from the package.
SDK_SERVICES = {
    "eventbridge": ("events", "events"),
    "cloudwatch": ("cloudwatch", "monitoring"),
    "cloudwatchlogs": ("logs", "logs"),
    "sfn": ("states", "states"),
    "rds": ("rds", "rds"),
    "rdsdata": ("rds-data", "rds-data"),
    "kinesis": ("kinesis", "kinesis-streams"),
    "firehose": ("firehose", "kinesis-firehose"),
}

# API operations whose IAM action has another name than the operation.
ACTION_NAMES = {
    "lambda:Invoke": "lambda:InvokeFunction",
}

# Client methods that are not API operations.
_NOT_OPERATIONS = {"builder", "create", "close", "serviceName", "serviceClientConfiguration", "utilities",
                   "waiter"}

_CLIENT_CALL = re.compile(
    r"Method software/amazon/awssdk/services/([a-z0-9]+)/(\w+?)(?:Async)?Client\.(\w+):")
_RDS_TOKEN = re.compile(r"software/amazon/awssdk/services/rds/RdsUtilities\.generateAuthenticationToken")
_CLASS_HEADER = re.compile(r"^(?:[\w ]*?)(?:class|interface|enum|record) ([\w.$]+)")

TOKEN_ISSUER = "io/nuscape/core/auth/TokenIssuer"
S3_FOR_CUSTOM_RESOURCE = "s3"


@dataclass
class FunctionCode:
    """What one function's deployed code does on AWS."""
    module: str
    actions: set = field(default_factory=set)        # IAM actions its calls need
    services: set = field(default_factory=set)       # endpoint service names it must reach
    signs_tokens: bool = False                       # references TokenIssuer
    handler_found: bool = True


def makefile_modules(makefile_path):
    """{LogicalId: module dir} from `build-<LogicalId>: ... build-lambda functions/<module> ...`."""
    modules, target = {}, None
    with open(makefile_path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^build-(\w+):", line)
            if m:
                target = m.group(1)
                continue
            m = re.search(r"build-lambda\s+(\S+)", line)
            if m and target:
                modules[target] = m.group(1)
    return modules


_POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def _pom_facts(pom_path):
    root = ET.parse(pom_path).getroot()
    artifact = root.find("m:artifactId", _POM_NS).text
    dependencies = []
    for dep in root.findall("m:dependencies/m:dependency", _POM_NS):
        group = dep.find("m:groupId", _POM_NS)
        scope = dep.find("m:scope", _POM_NS)
        if scope is not None and scope.text in ("test", "provided"):
            continue  # not in the function's jar
        group_text = group.text if group is not None else ""
        if group_text in ("io.nuscape", "${project.groupId}"):
            dependencies.append(dep.find("m:artifactId", _POM_NS).text)
    return artifact, dependencies


def module_closure(root, module):
    """The module and every project module it ships with."""
    by_artifact, deps_of = {}, {}
    for pom in glob.glob(os.path.join(root, "functions", "*", "pom.xml")):
        directory = os.path.relpath(os.path.dirname(pom), root)
        artifact, deps = _pom_facts(pom)
        by_artifact[artifact] = directory
        deps_of[directory] = deps
    seen, todo = [], [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.append(current)
        todo.extend(by_artifact[a] for a in deps_of.get(current, []) if a in by_artifact)
    return seen


def javap_text(root, module, javap):
    """`javap -c -p` of all classes of a module, cached in target/ until a class file changes."""
    classes_dir = os.path.join(root, module, "target", "classes")
    class_files = sorted(glob.glob(os.path.join(classes_dir, "**", "*.class"), recursive=True))
    if not class_files:
        raise FileNotFoundError(f"no compiled classes in {classes_dir}: run the Maven build first")
    fingerprint = hashlib.sha256()
    for path in class_files:
        stat = os.stat(path)
        fingerprint.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    cache = os.path.join(root, module, "target", "rehearsal-javap.txt")
    key = fingerprint.hexdigest()
    if os.path.exists(cache):
        with open(cache, encoding="utf-8") as f:
            if f.readline().strip() == key:
                return f.read()
    text = subprocess.run([javap, "-c", "-p", *class_files], check=True, capture_output=True,
                          text=True).stdout
    with open(cache, "w", encoding="utf-8") as f:
        f.write(key + "\n" + text)
    return text


def scan_javap(text):
    """(IAM actions, endpoint services, class names, classes that reference TokenIssuer) in javap output."""
    actions, services, classes, token_users = set(), set(), set(), set()
    current = None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Compiled from") and i + 1 < len(lines):
            m = _CLASS_HEADER.match(lines[i + 1])
            current = m.group(1).replace(".", "/") if m else None
            if current:
                classes.add(current)
            continue
        m = _CLIENT_CALL.search(line)
        if m and m.group(3) not in _NOT_OPERATIONS:
            package, operation = m.group(1), m.group(3)
            prefix, endpoint = SDK_SERVICES.get(package, (package, package))
            operation = re.sub(r"Paginator$", "", operation)
            action = f"{prefix}:{operation[0].upper()}{operation[1:]}"
            actions.add(ACTION_NAMES.get(action, action))
            services.add(endpoint)
        if _RDS_TOKEN.search(line):
            actions.add("rds-db:connect")
        if current and not current.startswith(TOKEN_ISSUER) and (
                TOKEN_ISSUER in line or TOKEN_ISSUER.replace("/", ".") in line):
            token_users.add(current)
    return actions, services, classes, token_users


def function_code(root, handlers, custom_resource_functions, javap):
    """{LogicalId: FunctionCode} for the functions in `handlers` ({LogicalId: Handler}) that have a
    build target."""
    modules = makefile_modules(os.path.join(root, "infra", "sam", "Makefile"))
    result = {}
    for logical_id, handler in handlers.items():
        module = modules.get(logical_id)
        if module is None:
            continue  # reported by the handler check: without a module there is no code to read
        code = FunctionCode(module=module)
        all_classes = set()
        for member in module_closure(root, module):
            actions, services, classes, token_users = scan_javap(javap_text(root, member, javap))
            code.actions |= actions
            code.services |= services
            code.signs_tokens |= bool(token_users)
            all_classes |= classes
        handler_class = handler.split("::")[0].replace(".", "/")
        code.handler_found = handler_class in all_classes
        if logical_id in custom_resource_functions:
            # CloudFormation takes a custom resource's answer as a PUT to a pre-signed S3 URL: a network
            # path to S3, though no IAM action (the URL carries CloudFormation's signature).
            code.services.add(S3_FOR_CUSTOM_RESOURCE)
        result[logical_id] = code
    return result


def find_javap():
    for candidate in [os.path.join(os.environ.get("JAVA_HOME", ""), "bin", "javap"),
                      *sorted(glob.glob("/usr/lib/jvm/*/bin/javap"), reverse=True)]:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError("javap not found: set JAVA_HOME to a JDK")
