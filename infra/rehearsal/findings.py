"""Results of invariant checks: a check is one invariant applied to one subject (a function, an alarm, a
schedule, ...) over every parameter set; it passes when no parameter set shows a problem."""
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    invariant: str
    subject: str          # the resource (logical id) the finding is about
    problem: str          # what is wrong
    fix: str              # what to do
    parameter_set: str = ""


class Results:
    def __init__(self):
        self._checks = OrderedDict()   # (invariant, subject) -> [Problem]

    def checked(self, invariant, subject):
        self._checks.setdefault((invariant, subject), [])

    def add(self, problem):
        self._checks.setdefault((problem.invariant, problem.subject), []).append(problem)

    def problems(self):
        return [p for problems in self._checks.values() for p in problems]

    def counts(self):
        failed = sum(1 for problems in self._checks.values() if problems)
        return len(self._checks) - failed, failed

    def finding_lines(self):
        """One line per distinct finding; the parameter sets that show it are listed together."""
        grouped = OrderedDict()
        for p in self.problems():
            grouped.setdefault((p.invariant, p.subject, p.problem, p.fix), []).append(p.parameter_set)
        lines = []
        for (invariant, subject, problem, fix), sets in grouped.items():
            where = ", ".join(s for s in dict.fromkeys(sets) if s)
            lines.append(f"FAIL [{invariant}] {subject}: {problem}" + (f" [{where}]" if where else "")
                         + f" -> {fix}")
        return lines

    def summary(self):
        passed, failed = self.counts()
        return f"rehearsal: {passed} passed, {failed} failed"
