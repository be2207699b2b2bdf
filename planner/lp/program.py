"""The LP as arrays: columns, rows in blocks named by their family, the objective.

HiGHS is handed these arrays whole (planner.lp.highs); CBC and LP files get PuLP objects built
from the same arrays (`to_pulp`), so one formulation serves every solver. Columns and rows are
added one at a time or in blocks of arrays; both end in the same growing arrays, so a family
may be written row by row where that reads best and in blocks where its rows are many.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

INF = math.inf
LE, EQ, GE = -1, 0, 1  # a row's sense, as PuLP numbers them


class Growing:
    """A 1-d array grown by items and by arrays; `array()` joins what was added (cheaply, once)."""

    def __init__(self, dtype):
        self.dtype, self.chunks, self.pending = dtype, [], []

    def append(self, item) -> None:
        self.pending.append(item)

    def extend(self, items) -> None:
        if isinstance(items, np.ndarray):
            self._flush()
            self.chunks.append(items.astype(self.dtype, copy=False))
        else:
            self.pending.extend(items)

    def array(self) -> np.ndarray:
        """Everything added, as one array (the same object until more is added: changes stick)."""
        self._flush()
        if len(self.chunks) != 1:
            self.chunks = [np.concatenate(self.chunks) if self.chunks else np.zeros(0, self.dtype)]
        return self.chunks[0]

    def __len__(self) -> int:
        return sum(len(chunk) for chunk in self.chunks) + len(self.pending)

    def _flush(self) -> None:
        if self.pending:
            self.chunks.append(np.array(self.pending, dtype=self.dtype))
            self.pending = []


@dataclass
class Block:
    """Consecutive columns or rows named `name` with their keys (a list of tuples, or an array
    with a key a row): `name_k1_k2` each."""

    name: str
    start: int
    keys: list[tuple] | np.ndarray

    def names(self) -> list[str]:
        keys = self.keys.tolist() if isinstance(self.keys, np.ndarray) else self.keys
        return [self.name + "".join(f"_{part}" for part in key) for key in keys]


class LinearProgram:
    """Columns (bounds, integrality), rows (bounds), coefficients by (row, column), an objective
    (minimised unless `maximise`), and after a solve the values and duals (HiGHS's signs)."""

    def __init__(self):
        self.lower, self.upper, self.integer = Growing(float), Growing(float), Growing(bool)
        self.row_lower, self.row_upper = Growing(float), Growing(float)
        self.entry_rows, self.entry_columns, self.entry_values = Growing(np.int64), Growing(np.int64), Growing(float)
        self.column_blocks: list[Block] = []
        self.row_blocks: list[Block] = []
        self.columns = self.rows = 0
        self.cost = np.zeros(0)
        self.constant = 0.0
        self.maximise = False
        self.values = self.row_duals = self.column_duals = None
        self.highs = None  # the highspy model of the last HiGHS solve: its info and statuses

    # building
    def add_columns(self, name: str, keys, lower=0.0, upper=INF, integer: bool = False) -> np.ndarray:
        """Columns `name_key` for `keys`; bounds a number or an array by key. Their indices."""
        count = len(keys)
        first = self.columns
        self.columns += count
        self._name(self.column_blocks, name, first, keys)
        for target, value in ((self.lower, lower), (self.upper, upper), (self.integer, integer)):
            target.extend(np.broadcast_to(np.asarray(value, dtype=target.dtype), (count,)).copy())
        return np.arange(first, first + count)

    def add_column(self, name: str, lower: float = 0.0, upper: float = INF, integer: bool = False) -> int:
        self._name(self.column_blocks, name, self.columns, [()])
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(integer)
        self.columns += 1
        return self.columns - 1

    def add_row(self, name: str, key: tuple, columns, values, sense: int, rhs: float) -> int:
        """Row `name_key`: sum of values x columns `sense` rhs (lists or arrays). Its index."""
        row = self.rows
        self._name(self.row_blocks, name, row, [key])
        self.entry_rows.extend([row] * len(columns) if not isinstance(columns, np.ndarray) else np.full(len(columns), row))
        self.entry_columns.extend(columns)
        self.entry_values.extend(values)
        self.row_lower.append(-INF if sense == LE else rhs)
        self.row_upper.append(INF if sense == GE else rhs)
        self.rows += 1
        return row

    def add_rows(self, name: str, keys, rows: np.ndarray, columns: np.ndarray, values: np.ndarray,
                 sense: int, rhs) -> np.ndarray:
        """Rows `name_key` for `keys` at once: entry i is values[i] x columns[i] in row rows[i]
        (0 to len(keys) - 1); rhs a number or an array by key. Their indices."""
        first = self.rows
        self._name(self.row_blocks, name, first, keys)
        self.entry_rows.extend(np.asarray(rows, dtype=np.int64) + first)
        self.entry_columns.extend(np.asarray(columns, dtype=np.int64))
        self.entry_values.extend(np.asarray(values, dtype=float))
        lower, upper = _bounds(sense, np.broadcast_to(np.asarray(rhs, dtype=float), (len(keys),)))
        self.row_lower.extend(lower)
        self.row_upper.extend(upper)
        self.rows += len(keys)
        return np.arange(first, first + len(keys))

    @staticmethod
    def _name(blocks: list[Block], name: str, start: int, keys) -> None:
        last = blocks[-1] if blocks else None
        if last is not None and last.name == name and isinstance(last.keys, list) and isinstance(keys, list):
            last.keys.extend(keys)  # rows of a family added one at a time: one block
        else:
            blocks.append(Block(name, start, keys))

    # changing
    def set_objective(self, columns, values, constant: float = 0.0, maximise: bool = False) -> None:
        cost = np.zeros(self.columns)
        np.add.at(cost, np.asarray(columns, dtype=np.int64), np.asarray(values, dtype=float))
        self.cost, self.constant, self.maximise = cost, constant, maximise

    def fix(self, columns, value) -> None:
        """Hold columns at `value` (continuous from then on)."""
        self.lower.array()[columns] = value
        self.upper.array()[columns] = value
        self.integer.array()[columns] = False

    def set_row(self, row: int, sense: int, rhs: float) -> None:
        self.row_lower.array()[row] = -INF if sense == LE else rhs
        self.row_upper.array()[row] = INF if sense == GE else rhs

    def row_entries(self, row: int) -> np.ndarray:
        """Positions of row `row`'s coefficients in the entry arrays."""
        return np.flatnonzero(self.entry_rows.array() == row)

    # reading
    def matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, columns, values) sorted by row then column, one entry per pair (repeats summed)
        and no zeros: what HiGHS takes row-wise."""
        rows, columns, values = self.entry_rows.array(), self.entry_columns.array(), self.entry_values.array()
        order = np.argsort(rows * max(self.columns, 1) + columns, kind="stable")  # one integer key: 10x lexsort's speed
        rows, columns, values = rows[order], columns[order], values[order]
        repeated = (rows[1:] == rows[:-1]) & (columns[1:] == columns[:-1])
        if repeated.any():
            starts = np.flatnonzero(np.concatenate(([True], ~repeated)))
            rows, columns, values = rows[starts], columns[starts], np.add.reduceat(values, starts)
        kept = values != 0
        return rows[kept], columns[kept], values[kept]

    def bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.lower.array(), self.upper.array(), self.row_lower.array(), self.row_upper.array()

    def objective_value(self) -> float:
        return float(self.cost @ self.values) + self.constant

    def value(self, column: int) -> float:
        return float(self.values[column])

    def column_names(self) -> list[str]:
        return [name for block in self.column_blocks for name in block.names()]

    def row_names(self) -> list[str]:
        return [name for block in self.row_blocks for name in block.names()]

    def append(self, other: "LinearProgram", prefix: str) -> tuple[int, int]:
        """`other`'s columns and rows after this one's, renamed with `prefix` (its objective is
        not taken). Where its columns and rows begin here."""
        columns, rows = self.columns, self.rows
        for target, source in ((self.lower, other.lower), (self.upper, other.upper), (self.integer, other.integer),
                               (self.row_lower, other.row_lower), (self.row_upper, other.row_upper),
                               (self.entry_values, other.entry_values)):
            target.extend(source.array().copy())
        self.entry_rows.extend(other.entry_rows.array() + rows)
        self.entry_columns.extend(other.entry_columns.array() + columns)
        self.column_blocks += [Block(prefix + b.name, b.start + columns, b.keys) for b in other.column_blocks]
        self.row_blocks += [Block(prefix + b.name, b.start + rows, b.keys) for b in other.row_blocks]
        self.columns += other.columns
        self.rows += other.rows
        return columns, rows

    def to_pulp(self, mip: bool = True):
        """The same LP as a PuLP problem (integer columns continuous unless `mip`), and its
        variables and constraints in this order (for CBC, and for LP and MPS files)."""
        import pulp

        problem = pulp.LpProblem("capacity_plan", pulp.LpMaximize if self.maximise else pulp.LpMinimize)
        lower, upper, row_lower, row_upper = self.bounds()
        integer = self.integer.array()
        variables = [problem.add_variable(name, None if lo == -INF else lo, None if up == INF else up,
                                          pulp.LpInteger if whole and mip else pulp.LpContinuous)
                     for name, lo, up, whole in zip(self.column_names(), lower.tolist(), upper.tolist(), integer.tolist())]
        rows, columns, values = self.matrix()
        starts = np.searchsorted(rows, np.arange(self.rows + 1))
        constraints = []
        for i, name in enumerate(self.row_names()):
            expression = pulp.LpAffineExpression(
                (variables[c], v) for c, v in zip(columns[starts[i]:starts[i + 1]].tolist(), values[starts[i]:starts[i + 1]].tolist()))
            sense, rhs = _sense(row_lower[i], row_upper[i])
            constraint = pulp.LpConstraint(expression, sense, rhs=rhs, name=name)
            problem.addConstraint(constraint)
            constraints.append(constraint)
        problem.setObjective(pulp.LpAffineExpression(((variables[c], v) for c, v in enumerate(self.cost.tolist()) if v),
                                                     constant=self.constant))
        return problem, variables, constraints


def _bounds(sense: int, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) of rows `sense` rhs."""
    return (np.full(rhs.shape, -INF) if sense == LE else rhs.copy(), np.full(rhs.shape, INF) if sense == GE else rhs.copy())


def _sense(lower: float, upper: float) -> tuple[int, float]:
    if lower == upper:
        return EQ, lower
    return (LE, upper) if lower == -INF else (GE, lower)
