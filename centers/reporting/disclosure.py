"""The small-count rule for every figure officials see: one function decides which cells are hidden.

A count under 5 (zero included) reads "<5" (primary suppression). That alone is not enough: when a row
total, a column partner or a rate is shown beside it, the hidden value follows by arithmetic. So cells
that take part in an equation with a hidden cell are hidden too (complementary suppression, shown as
"x"), until no hidden cell can be worked out: neither by solving the equations (linear algebra over
exact fractions) nor by narrowing its range through them (a "<5" cell is 0–4, an "x" cell 5 or more).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext_lazy as _

SMALL_COUNT = 5
SUPPRESSED = "<5"  # a count under five
HIDDEN = "x"  # a larger count hidden so that the small ones cannot be worked out

SHOWN, SMALL, COMPLEMENT = "shown", "small", "hidden"
SUPPRESSION_NOTE = _(
    "<5: fewer than five. x: hidden so that the counts under five cannot be worked out from the totals beside them."
)


@dataclass(frozen=True)
class Equation:
    """sum(left) == sum(right), as a reader of the page could write it down (a total and its parts, or
    two tables that add up to the same figure)."""

    left: tuple[Hashable, ...]
    right: tuple[Hashable, ...]

    @property
    def members(self) -> tuple[Hashable, ...]:
        return (*self.left, *self.right)

    @property
    def terms(self) -> list[tuple[Hashable, int]]:
        return [(k, 1) for k in self.left] + [(k, -1) for k in self.right]


def equation(total: Hashable, parts: Iterable[Hashable]) -> Equation:
    """A total and the parts it adds up."""
    return Equation((total,), tuple(parts))


def same_sum(left: Iterable[Hashable], right: Iterable[Hashable]) -> Equation:
    return Equation(tuple(left), tuple(right))


def is_small(value) -> bool:
    return value is not None and not isinstance(value, str) and value < SMALL_COUNT


def shown(value, state: str):
    """A cell as officials read it."""
    if value is None:
        return None
    return {SMALL: SUPPRESSED, COMPLEMENT: HIDDEN}.get(state, value)


def suppress(value):
    """One count on its own, with no total or partner beside it: under 5 reads "<5"."""
    return shown(value, SMALL if is_small(value) else SHOWN)


def _rref_unit_rows(rows: list[dict[Hashable, Fraction]]) -> set[Hashable]:
    """Variables fixed by a linear system: after reduction, a row with a single variable left."""
    rows = [dict(r) for r in rows if r]
    pivots: list[tuple[Hashable, dict]] = []
    for row in rows:
        for var, prow in pivots:
            if var in row:
                factor = row[var]
                for k, v in prow.items():
                    row[k] = row.get(k, 0) - factor * v
                row = {k: v for k, v in row.items() if v != 0}
        if not row:
            continue
        var = next(iter(row))
        lead = row[var]
        row = {k: v / lead for k, v in row.items()}
        for index, (other, orow) in enumerate(pivots):
            if var in orow:
                factor = orow[var]
                merged = dict(orow)
                for k, v in row.items():
                    merged[k] = merged.get(k, 0) - factor * v
                pivots[index] = (other, {k: v for k, v in merged.items() if v != 0})
        pivots.append((var, row))
    return {var for var, row in pivots if len(row) == 1}


def _bounds(values, state, equations) -> dict[Hashable, tuple[float, float]]:
    """Each hidden cell's range after propagating every equation until nothing narrows."""
    inf = float("inf")
    lo = {k: (0 if s == SMALL else SMALL_COUNT) for k, s in state.items() if s != SHOWN}
    hi = {k: (SMALL_COUNT - 1 if s == SMALL else inf) for k, s in state.items() if s != SHOWN}
    for _round in range(50):
        changed = False
        for eq in equations:
            terms = eq.terms
            known = sum(c * values[k] for k, c in terms if k not in lo)
            for key, coef in terms:
                if key not in lo:
                    continue
                rest_lo = known + sum(c * (lo[k] if c > 0 else hi[k]) for k, c in terms if k in lo and k != key)
                rest_hi = known + sum(c * (hi[k] if c > 0 else lo[k]) for k, c in terms if k in lo and k != key)
                # coef * x + rest == 0  ->  x == -rest / coef
                new_lo, new_hi = (-rest_hi, -rest_lo) if coef > 0 else (rest_lo, rest_hi)
                if new_lo > lo[key]:
                    lo[key], changed = new_lo, True
                if new_hi < hi[key]:
                    hi[key], changed = new_hi, True
        if not changed:
            break
    return {k: (lo[k], hi[k]) for k in lo}


def recoverable(values: Mapping, state: Mapping[Hashable, str], equations: Sequence[Equation]) -> set[Hashable]:
    """Hidden cells a reader could work out from the shown cells and the equations."""
    hidden = {k for k, s in state.items() if s != SHOWN}
    rows = []
    for eq in equations:
        row: dict[Hashable, Fraction] = {}
        for key, coef in eq.terms:
            if key in hidden:
                row[key] = row.get(key, Fraction(0)) + coef
        rows.append({k: v for k, v in row.items() if v != 0})
    solved = _rref_unit_rows(rows) & hidden
    for key, (lo, hi) in _bounds(values, state, equations).items():
        if lo >= hi:
            solved.add(key)
    return solved


def suppress_cells(values: Mapping[Hashable, int | None], equations: Iterable[Equation] = ()) -> dict[Hashable, str]:
    """The one suppression rule: each cell's state (shown, small "<5", or hidden "x") such that no hidden
    value can be recovered through the equations. Cells with None (no figure) take no part."""
    equations = [eq for eq in equations if all(values.get(k) is not None for k in eq.members)]
    state = {k: (SMALL if is_small(v) else SHOWN) for k, v in values.items() if v is not None}
    if not any(s == SMALL for s in state.values()):
        return state

    def hide_partner(eq: Equation) -> bool:
        candidates = [k for k in eq.members if state[k] == SHOWN]
        if not candidates:
            return False
        # the smallest shown figure costs the reader least; on a tie a part goes before the total
        pick = min(candidates, key=lambda k: (values[k], len(eq.left) == 1 and k in eq.left))
        state[pick] = COMPLEMENT
        return True

    for _round in range(len(state) + 1):
        changed = False
        for eq in equations:
            if sum(1 for k in eq.members if state[k] != SHOWN) == 1:
                changed |= hide_partner(eq)
        if changed:
            continue
        leaks = recoverable(values, state, equations)
        if not leaks:
            break
        for eq in equations:
            if any(k in leaks for k in eq.members) and hide_partner(eq):
                changed = True
                break
        if not changed:
            break  # every cell touching a leak is hidden already
    return state
