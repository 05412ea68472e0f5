"""Each invariant once satisfied (fixtures/good.yaml) and once broken (fixtures/broken/*.yaml)."""
import unittest

from .support import broken_fixtures, good_template, run


class GoodFixture(unittest.TestCase):
    def test_passes_every_check(self):
        results = run(good_template())
        self.assertEqual([], results.finding_lines())
        passed, failed = results.counts()
        self.assertEqual(0, failed)
        self.assertGreater(passed, 10)
        self.assertEqual(f"rehearsal: {passed} passed, 0 failed", results.summary())


class BrokenFixtures(unittest.TestCase):
    def test_each_breaks_exactly_its_invariant(self):
        fixtures = list(broken_fixtures())
        self.assertGreater(len(fixtures), 10)
        for name, template, expected in fixtures:
            with self.subTest(fixture=name):
                self.assertTrue(expected, f"{name} has no '# expect:' line")
                results = run(template)
                found = {(p.invariant, p.subject) for p in results.problems()}
                for invariant, subject in expected:
                    self.assertIn((invariant, subject), found, "\n".join(results.finding_lines()))
                # Nothing else fails: the fixture breaks one thing only.
                self.assertEqual(set(expected), found, "\n".join(results.finding_lines()))
                self.assertNotEqual(0, results.counts()[1])
