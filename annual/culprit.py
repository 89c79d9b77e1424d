"""Probable culprit: the fewest cells whose correction makes every blocking rule hold.

This is error localisation in the Fellegi–Holt sense, as statistics offices do it (Statistics
Netherlands' `errorlocate`): among all ways to change some cells to other non-negative integers so
that every blocking cross-total of the template holds, find those that change the fewest cells.
A row total that is off by 7 names eight cells in its finding; the localisation names the one.

It is a mixed-integer program solved by HiGHS through `scipy.optimize.milp`. SciPy is already a
well-kept, offline dependency; OR-Tools would bring a second solver stack for the same model.
For each cell i of the blocking rules, with current value v_i (blank counts as 0):

    x_i  integer, 0 ≤ x_i ≤ U        the corrected value
    z_i  binary                      1 when the cell is changed
    x_i − v_i ≤ U·z_i,  v_i − x_i ≤ v_i·z_i
    every blocking rule holds over x (sum of parts = sum of targets)
    minimise Σ (SIZE + w_i)·z_i

SIZE dominates the weights, so the fewest cells always win; the weights only order sets of the
same size. The weights (documented in README, 校验规则):

    1  an ordinary cell, typed in by the preparer;
    2  二、上年结转, which is carried from last year's report rather than typed afresh;
    3  a total (the 总计 column, the （七）总计 row, the 总计 of each group of 四), which the
       entry grid computes and which is therefore rarely the cell that was mistyped.

After each optimum, a cut excludes that set and the solver runs again, so every minimal set (up
to MAX_SETS) is found; more than one means the choice is ambiguous, and the result says so.
Every answer is checked in exact integers before it is shown, so solver tolerances can never
produce a wrong suggestion: at worst, no suggestion.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from . import template_spec as spec
from .document import value_at
from .rules import ERROR, HINT, Check, Finding, blocking_checks

MAX_SETS = 5
# More failing rules than this is not a typo or two but a table filled in another way: no guess.
MAX_FAILURES = 12
# Sets larger than this are no longer a "probable culprit".
MAX_CELLS = 6
# The whole localisation never takes longer than this (the pages and check_report wait on it).
TIME_BUDGET = 0.8
SIZE = 1000

WEIGHT_ORDINARY = 1
WEIGHT_CARRIED = 2
WEIGHT_TOTAL = 3


@dataclass(frozen=True)
class Correction:
    """One minimal set of cells and the values that make every blocking rule hold."""

    cells: tuple[str, ...]
    expected: tuple[int, ...]
    actual: tuple[int | None, ...]


@dataclass(frozen=True)
class Localisation:
    corrections: tuple[Correction, ...]
    # Why there is no suggestion ("" when there is one, or nothing was wrong).
    reason: str = ""

    @property
    def ambiguous(self) -> bool:
        return len(self.corrections) > 1


def weight(version: str, path: str) -> int:
    """How unlikely a cell is to be the mistyped one (see the module docstring)."""
    section, row, col = path.split(".")
    if col == "total" or row == "handled_total":
        return WEIGHT_TOTAL
    if section == "applications" and row == spec.application_rows_by_key(version)["carried_over"].key:
        return WEIGHT_CARRIED
    return WEIGHT_ORDINARY


def _num(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _holds(check: Check, values: dict[str, int]) -> bool:
    return sum(values[p] for p in check.parts) == sum(values[t] for t in check.targets)


def localise(doc: dict, *, budget: float = TIME_BUDGET) -> Localisation:
    """Every minimal correction of `doc`'s blocking failures (at most MAX_SETS), or the reason
    there is none. A document with no blocking failure has nothing to localise."""
    checks = blocking_checks(doc["template"])
    current = {c: _num(value_at(doc, c)) for check in checks for c in check.cells}
    failing = [check for check in checks if not _holds(check, current)]
    if not failing:
        return Localisation(())
    if len(failing) > MAX_FAILURES:
        return Localisation((), f"{len(failing)} 条规则不成立，错误太多，无法推断是哪几个单元格")

    # Late: SciPy takes about a second to load, and only a report that breaks a rule needs it,
    # not every process start (the web server, each command).
    import numpy as np  # noqa: PLC0415
    from scipy.optimize import Bounds, LinearConstraint, milp  # noqa: PLC0415

    cells = list(current)
    index = {c: i for i, c in enumerate(cells)}
    n = len(cells)
    v = np.array([current[c] for c in cells], dtype=float)
    upper = 2 * float(v.sum()) + 10
    w = np.array([SIZE + weight(doc["template"], c) for c in cells], dtype=float)

    # Variables: x_0..x_{n-1}, then z_0..z_{n-1}.
    rules = np.zeros((len(checks), 2 * n))
    for r, check in enumerate(checks):
        for p in check.parts:
            rules[r, index[p]] += 1
        for t in check.targets:
            rules[r, index[t]] -= 1
    eye = np.eye(n)
    up = np.hstack([eye, -upper * eye])  # x − U·z ≤ v
    down = np.hstack([-eye, -np.diag(v)])  # −x − v·z ≤ −v
    constraints = [
        LinearConstraint(rules, 0, 0),
        LinearConstraint(up, -np.inf, v),
        LinearConstraint(down, -np.inf, -v),
    ]
    cost = np.concatenate([np.zeros(n), w])
    bounds = Bounds(np.zeros(2 * n), np.concatenate([np.full(n, upper), np.ones(n)]))
    # Only z need be integral: with z fixed, the rules' ±1 sums leave x integral at a vertex, and
    # every answer is checked in integers below anyway. Half the integer variables, far faster.
    integrality = np.concatenate([np.zeros(n), np.ones(n)])

    found: list[Correction] = []
    deadline = time.monotonic() + budget
    size = None
    while len(found) < MAX_SETS:
        left = deadline - time.monotonic()
        result = None
        if left > 0.01:
            options = {"time_limit": left}
            result = milp(cost, constraints=constraints, bounds=bounds, integrality=integrality, options=options)
        # Infeasible after the cuts: every minimal set has been found.
        if result is not None and result.status == 2:
            break
        correction = _checked(result, doc, cells, current, checks)
        if correction is None:
            if not found:
                return Localisation((), UNSOLVED)
            break
        if size is None:
            size = len(correction.cells)
            if size > MAX_CELLS:
                return Localisation((), f"至少要改 {size} 个单元格才能使勾稽关系成立，无法推断是哪几个")
            # The other minimal sets have the same size: say so, and the search stays small.
            count = np.concatenate([np.zeros(n), np.ones(n)])
            constraints.append(LinearConstraint(count, -np.inf, size))
        found.append(correction)
        # Exclude this set (and its supersets) from the next solve.
        cut = np.zeros(2 * n)
        for c in correction.cells:
            cut[n + index[c]] = 1
        constraints.append(LinearConstraint(cut, -np.inf, len(correction.cells) - 1))
    return Localisation(tuple(found))


UNSOLVED = "在限定时间内未能求出，请逐项核对标出的单元格"


def _checked(result, doc: dict, cells: list[str], current: dict[str, int], checks) -> Correction | None:
    """The solver's optimum as a correction, if it is one in exact integers."""
    if result is None or result.status != 0 or result.x is None:
        return None
    values = {c: round(float(x)) for c, x in zip(cells, result.x[: len(cells)], strict=True)}
    changed = tuple(c for c in cells if values[c] != current[c])
    if not changed or min(values.values()) < 0 or not all(_holds(check, values) for check in checks):
        return None
    return Correction(changed, tuple(values[c] for c in changed), tuple(value_at(doc, c) for c in changed))


def cell_name(version: str, path: str) -> str:
    """A cell as a reviewer reads it: the table's number, then its row and column."""
    return f"{spec.SECTIONS_BY_KEY[path.split('.')[0]].number}·{spec.describe_cell(version, path)}"


def _shown(value: int | None) -> str:
    return "空白" if value is None else str(value)


def describe(version: str, correction: Correction) -> str:
    """「三·一、本年新收…·自然人（24 → 31？）」 for each cell of the set."""
    return "；".join(
        f"{cell_name(version, c)}（{_shown(a)} → {e}？）"
        for c, a, e in zip(correction.cells, correction.actual, correction.expected, strict=True)
    )


def summary(version: str, localisation: Localisation) -> list[str]:
    """The lines a person reads: one per minimal correction, each saying it is a suggestion."""
    if localisation.reason:
        return [f"最可能的错误：无法确定（{localisation.reason}）"]
    lines = [f"最可能的错误：{describe(version, c)}" for c in localisation.corrections]
    if localisation.ambiguous:
        lines.append(
            f"以上 {len(localisation.corrections)} 种改法同样只改动最少的单元格，无法确定是哪一种；"
            "这只是推断，请核对原始台账后修改"
        )
    elif lines:
        lines.append("这只是推断：改动这些单元格即可使全部勾稽关系成立，请核对原始台账后修改")
    return lines


def hint_findings(doc: dict, localisation: Localisation | None = None) -> list[Finding]:
    """One `likely_error` hint per minimal correction (the interchange contract of check_report)."""
    localisation = localisation if localisation is not None else localise(doc)
    version = doc["template"]
    ambiguity = (
        f"（共 {len(localisation.corrections)} 种同样少的改法，无法确定是哪一种）" if localisation.ambiguous else ""
    )
    return [
        Finding(
            "likely_error",
            HINT,
            c.cells,
            c.expected,
            c.actual,
            f"最可能的错误：{describe(version, c)}{ambiguity}。这只是推断，请核对后修改",
        )
        for c in localisation.corrections
    ]


def with_hints(doc: dict, findings: list[Finding]) -> list[Finding]:
    """`findings` and, when one of them blocks, the probable culprits after them."""
    if not any(f.severity == ERROR for f in findings):
        return findings
    return findings + hint_findings(doc)
