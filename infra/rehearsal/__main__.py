"""scripts/rehearse: the deploy rehearsal of template.yaml (see README.md here), or its self-tests."""
import argparse
import os
import sys
import unittest

from . import code_scan, template_io
from .rehearsal import rehearse

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="scripts/rehearse", description=__doc__)
    parser.add_argument("--root", default=os.path.abspath(os.path.join(HERE, "..", "..")),
                        help="repository root (default: this checkout)")
    parser.add_argument("--template", help="template to rehearse (default: <root>/template.yaml)")
    parser.add_argument("--self-test", action="store_true", help="run the rehearsal's own tests")
    args = parser.parse_args(argv)

    if args.self_test:
        suite = unittest.defaultTestLoader.discover(os.path.join(HERE, "tests"), top_level_dir=os.path.dirname(HERE))
        outcome = unittest.TextTestRunner(verbosity=1).run(suite)
        return 0 if outcome.wasSuccessful() else 1

    template = template_io.load_template(args.template or os.path.join(args.root, "template.yaml"))
    javap = code_scan.find_javap()

    def read_code(handlers, serving):
        return code_scan.function_code(args.root, handlers, serving, javap)

    try:
        results = rehearse(template, read_code)
    except FileNotFoundError as e:  # no compiled classes or no javap: not a finding, a setup problem
        print(f"rehearsal: cannot run: {e}", file=sys.stderr)
        return 2
    for line in results.finding_lines():
        print(line)
    print(results.summary())
    return 1 if results.problems() else 0


if __name__ == "__main__":
    sys.exit(main())
