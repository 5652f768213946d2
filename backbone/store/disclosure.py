"""Linked tables: which hidden cells can be worked out exactly from what is published, and what else to hide.

A *table* is one metric in one period: its places and the whole community, by the groups of each dimension and for
everyone. Anyone may add up what is published: the groups of a dimension at a place make the place's total
(equations R), the places make the community's cell for a group (K) and for everyone (T). Shown cells are known;
hidden cells are the unknowns of those equations. A hidden cell is *determined* when its unit vector lies in the row
space of the equations over the hidden cells (the rank test): then some combination of sums and differences of
published numbers gives it exactly.

The test is exact and fast because of the equations' shape. Within one dimension they are the node equations of a
bipartite graph: rows are places, columns are groups, a hidden group cell is an edge, and a hidden place total is a
supply at its row (the community's total a demand). A node whose equation does not exist (a place with no total, a
group with no community cell) is free; all free nodes are one node F. So a hidden group cell is free to move exactly
when it lies on a cycle of hidden cells, or when it is a bridge across which some supply can flow. The place totals
tie the dimensions together: the supplies they may carry form the null space of a small matrix (one row per
component of each dimension's graph that has no free node, and the community row), solved per table. Bridges are
found with a spanning tree and random 64-bit labels on the other edges (an edge of the tree lies on a cycle exactly
when the labels of the edges that close cycles over it do not cancel; a wrong "bridge" has odds of 2^-64 and would
only hide more); flows of supply with two random projections of the null space (again: errors only hide more).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components, depth_first_order

TOLERANCE = 1e-9
# Random null-space vectors drawn per table: a free unknown is 0 in all of them only by a chance of measure zero.
DIRECTIONS = 3
# Rounds of "audit, then hide one more cell for each determined one" before giving up on a table (never reached in
# the fuzz of thousands of tables: most need one or two).
MAX_ROUNDS = 60
# How many of the smallest cells sharing an equation with a determined cell (of those not provably unable to free it)
# are tried, when no single cell closes a cycle through it, before the smallest is hidden anyway (the next round
# continues from there).
CANDIDATES_TRIED = 6
_F = 0  # the free node


@dataclass(eq=False)
class LinkedCells:
    """The cells of some linked tables as integer codes, one entry per cell (codes from sorted names: deterministic).

    `value` is each cell's true number (NaN where even the store does not know it: a partner's suppression mark). An
    equation counts only where the data bear it out (or cannot say): a community figure a partner reported that is not
    the sum of the places, or groups that do not cover everyone, give an attacker a wrong answer, not an exact one.
    """

    table: np.ndarray  # which table (metric x period)
    place: np.ndarray  # which place; the community has a code of its own
    community: np.ndarray  # True for the whole community's cells
    dimension: np.ndarray  # which dimension; -1 for everyone
    group: np.ndarray  # which group; -1 for everyone
    value: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.table)

    @cached_property
    def keys(self) -> _Keys:
        """The equations' keys and which equations hold (worked out once per set of cells)."""
        return _Keys(self)

    def subset(self, rows: np.ndarray) -> LinkedCells:
        """The cells at `rows` (indices or a mask)."""
        return LinkedCells(self.table[rows], self.place[rows], self.community[rows], self.dimension[rows],
                           self.group[rows], None if self.value is None else self.value[rows])

    @cached_property
    def table_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The cells' indices grouped by table (ascending within each), the tables, and where each one's run starts."""
        order = np.argsort(self.table, kind="stable")
        tables, starts = np.unique(self.table[order], return_index=True)
        return order, tables, np.r_[starts, len(order)]

    def rows_of_table(self, table: int) -> np.ndarray:
        """The indices of one table's cells, ascending."""
        order, tables, starts = self.table_rows
        at = int(np.searchsorted(tables, table))
        return order[starts[at]:starts[at + 1]]


class _Keys:
    """Integer keys of the equations a cell is in (its place's total R, its column's community cell K, the community
    total T), and which of those equations exist and hold."""

    def __init__(self, cells: LinkedCells):
        self.n_place = int(cells.place.max(initial=0)) + 1
        self.n_dim = int(cells.dimension.max(initial=0)) + 2
        self.n_group = int(cells.group.max(initial=0)) + 2
        self.total = cells.dimension < 0
        self.place_key = cells.table.astype(np.int64) * self.n_place + cells.place  # (table, place)
        self.row_key = self.place_key * self.n_dim + (cells.dimension + 1)  # (table, place, dimension)
        self.column_key = (cells.table.astype(np.int64) * self.n_dim + (cells.dimension + 1)) * self.n_group + (cells.group + 1)
        value = np.zeros(len(cells)) if cells.value is None else np.asarray(cells.value, dtype=float)
        group, place = ~self.total, ~cells.community
        # R: a place's total and its groups in one dimension.
        self.rows_holding = _holding(self.row_key[group], value[group], self.place_key[self.total],
                                     value[self.total], self.row_key[group] // self.n_dim)
        # K: the community's cell of a group and the places' cells of it.
        self.columns_holding = _holding(self.column_key[group & place], value[group & place],
                                        self.column_key[group & cells.community], value[group & cells.community])
        # T: the community's total and the places' totals.
        self.tables_holding = _holding(cells.table[self.total & place], value[self.total & place],
                                       cells.table[self.total & cells.community], value[self.total & cells.community])


def _holding(member_key: np.ndarray, member_value: np.ndarray, total_key: np.ndarray, total_value: np.ndarray,
             member_total_key: np.ndarray | None = None) -> np.ndarray:
    """The keys of the sums that exist (a total with at least one member) and hold: the total equals its members' sum,
    or a value no one knows (NaN) is among them. Members find their total by `member_total_key` (default: same key)."""
    link = member_key if member_total_key is None else member_total_key
    keys, first = np.unique(member_key, return_index=True)
    sums = np.zeros(len(keys))
    unknown = np.zeros(len(keys), dtype=bool)
    broken = np.zeros(len(keys), dtype=bool)  # an infinite member: a sum known not to hold (linked.with_remainders)
    at = np.searchsorted(keys, member_key)
    finite = np.isfinite(member_value)
    np.add.at(sums, at, np.where(finite, member_value, 0.0))
    np.logical_or.at(unknown, at, np.isnan(member_value))
    np.logical_or.at(broken, at, np.isinf(member_value))
    totals, where = np.unique(total_key, return_index=True)
    position = np.minimum(np.searchsorted(totals, link[first]), max(len(totals) - 1, 0))
    exists = (totals[position] == link[first]) if len(totals) else np.zeros(len(keys), dtype=bool)
    total = total_value[where][position] if len(totals) else np.zeros(len(keys))
    unknown |= np.isnan(total)
    broken |= np.isinf(total)
    top = np.where(np.isfinite(total), total, 0.0)
    holds = ~broken & (unknown | (np.abs(top - sums) <= 1e-6 * np.maximum(1.0, np.abs(top))))
    return keys[exists & holds]


def _among(values: np.ndarray, ascending: np.ndarray) -> np.ndarray:
    """np.isin against sorted unique keys, without sorting them again (they are all the view's sums: many)."""
    if not len(ascending):
        return np.zeros(len(values), dtype=bool)
    return ascending[np.minimum(np.searchsorted(ascending, values), len(ascending) - 1)] == values


class _Graph:
    """One bipartite graph per table and dimension, all in one: hidden unknown group cells are its edges."""

    def __init__(self, cells: LinkedCells, keys: _Keys, unknown: np.ndarray):
        self.edge_cell = np.flatnonzero(unknown & ~keys.total)
        rows, cols = keys.row_key[self.edge_cell], keys.column_key[self.edge_cell]
        has_row = _among(rows, keys.rows_holding)
        has_col = _among(cols, keys.columns_holding)
        self.row_nodes = np.unique(rows[has_row])
        self.col_nodes = np.unique(cols[has_col])
        self.n = 1 + len(self.row_nodes) + len(self.col_nodes)
        self.a = np.where(has_row, 1 + np.searchsorted(self.row_nodes, rows), _F)
        self.b = np.where(has_col, 1 + len(self.row_nodes) + np.searchsorted(self.col_nodes, cols), _F)
        graph = coo_matrix((np.ones(len(self.a)), (self.a, self.b)), shape=(self.n, self.n)).tocsr()
        self.n_components, self.component = connected_components(graph, directed=False)
        self._spanning_tree()

    def row_node(self, row_key: np.ndarray) -> np.ndarray:
        """The node of each (table, place, dimension) key, or -1 when it has no hidden edge."""
        if not len(self.row_nodes):
            return np.full(len(row_key), -1)
        at = np.minimum(np.searchsorted(self.row_nodes, row_key), len(self.row_nodes) - 1)
        return np.where(self.row_nodes[at] == row_key, 1 + at, -1)

    def col_node(self, column_key: np.ndarray) -> np.ndarray:
        """The node of each (table, dimension, group) key, or -1 when it has no hidden edge."""
        if not len(self.col_nodes):
            return np.full(len(column_key), -1)
        at = np.minimum(np.searchsorted(self.col_nodes, column_key), len(self.col_nodes) - 1)
        return np.where(self.col_nodes[at] == column_key, 1 + len(self.row_nodes) + at, -1)

    def _spanning_tree(self) -> None:
        # One BFS from an extra root joined to one node per component (F for its own), so F is never below a bridge.
        super_root = self.n
        first = np.full(self.n_components, self.n)
        np.minimum.at(first, self.component, np.arange(self.n))
        first[self.component[_F]] = _F
        rows = np.r_[self.a, np.full(self.n_components, super_root)]
        cols = np.r_[self.b, first]
        whole = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(self.n + 1, self.n + 1)).tocsr()
        self.order, pred = breadth_first_order(whole, super_root, directed=False, return_predecessors=True)
        pred[super_root] = -1
        pred[first] = -1  # component roots
        self.pred = pred[: self.n]
        depth = np.zeros(self.n, dtype=np.int64)
        has_parent = self.pred >= 0
        ancestor = self.pred.copy()
        while (alive := ancestor >= 0).any():
            depth[alive] += 1
            ancestor[alive] = self.pred[ancestor[alive]]
        self.depth = depth
        # Which edge is the tree edge into each non-root node (the first of parallel edges between the same two nodes).
        down_b = has_parent[self.b] & (self.pred[self.b] == self.a)
        down_a = ~down_b & has_parent[self.a] & (self.pred[self.a] == self.b)
        child = np.where(down_b, self.b, np.where(down_a, self.a, -1))
        candidate = np.flatnonzero(child >= 0)
        _, first_edge = np.unique(child[candidate], return_index=True)
        self.tree = np.zeros(len(self.a), dtype=bool)
        self.tree[candidate[first_edge]] = True
        self.child = np.where(self.tree, child, -1)

    def subtree_sums(self, values: np.ndarray, xor: bool = False) -> np.ndarray:
        """Each node's value summed (or XORed) over its subtree, deepest level first."""
        acc = values.copy()
        for level in range(int(self.depth.max(initial=0)), 0, -1):
            nodes = np.flatnonzero(self.depth == level)
            if xor:
                np.bitwise_xor.at(acc, self.pred[nodes], acc[nodes])
            else:
                np.add.at(acc, self.pred[nodes], acc[nodes])
        return acc

    def on_no_cycle(self) -> np.ndarray:
        """Per edge: True for a bridge (no cycle of hidden cells passes through it)."""
        labels = np.random.default_rng(20240601).integers(1, 2**63, size=len(self.a), dtype=np.uint64)
        labels[self.tree] = 0
        at_node = np.zeros(self.n, dtype=np.uint64)
        np.bitwise_xor.at(at_node, self.a, labels)
        np.bitwise_xor.at(at_node, self.b, labels)
        covered = self.subtree_sums(at_node, xor=True)
        return self.tree & (covered[np.maximum(self.child, 0)] == 0) & (self.a != self.b)

    def below(self, node: int) -> np.ndarray:
        """Per node: whether it lies in `node`'s subtree of the spanning tree (itself included)."""
        if not hasattr(self, "_preorder"):
            # A depth-first order of the tree puts every subtree in one run of positions.
            has_parent = self.pred >= 0
            tree = coo_matrix((np.ones(int(has_parent.sum()) + self.n_components),
                               (np.r_[self.pred[has_parent], np.full(self.n_components, self.n)],
                                np.r_[np.flatnonzero(has_parent), np.flatnonzero(~has_parent)])),
                              shape=(self.n + 1, self.n + 1)).tocsr()
            order = depth_first_order(tree, self.n, directed=True, return_predecessors=False)
            self._preorder = np.empty(self.n + 1, dtype=np.int64)
            self._preorder[order] = np.arange(len(order))
            self._size = self.subtree_sums(np.ones(self.n))
        start = self._preorder[node]
        position = self._preorder[: self.n]
        return (position >= start) & (position < start + self._size[node])


def _supply_space(cells: LinkedCells, keys: _Keys, graph: _Graph, unknown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each hidden unknown total: how free it is (0 for a total the equations pin down) and its supply in
    DIRECTIONS random vectors of the supplies' null space."""
    totals = np.flatnonzero(unknown & keys.total)
    norms = np.zeros(len(cells))
    projections = np.zeros((len(cells), DIRECTIONS))
    if not len(totals):
        return norms, projections
    sign = np.where(cells.community[totals], -1.0, 1.0)
    # The rows (table, place, dimension) each hidden total supplies: one constraint per component without F.
    owner, row_keys = _rows_of_totals(keys, totals)
    node = graph.row_node(row_keys)
    component = np.where(node >= 0, graph.component[np.maximum(node, 0)], -1 - np.arange(len(node)))
    free = (node >= 0) & (component == graph.component[_F])
    owner, component = owner[~free], component[~free]
    table_of_total = cells.table[totals]
    tables = np.unique(table_of_total)
    by_table = np.argsort(table_of_total, kind="stable")
    bounds = np.searchsorted(table_of_total[by_table], np.r_[tables, np.iinfo(np.int64).max])
    pairs_by_table = np.argsort(table_of_total[owner], kind="stable")
    pair_bounds = np.searchsorted(table_of_total[owner][pairs_by_table], np.r_[tables, np.iinfo(np.int64).max])
    column = np.zeros(len(totals), dtype=np.int64)
    for i, table in enumerate(tables):
        mine = by_table[bounds[i]:bounds[i + 1]]
        column[mine] = np.arange(len(mine))
        pairs = pairs_by_table[pair_bounds[i]:pair_bounds[i + 1]]
        constraint, row = np.unique(component[pairs], return_inverse=True)
        matrix = np.zeros((len(constraint) + 1, len(mine)))
        matrix[row, column[owner[pairs]]] = sign[owner[pairs]]
        if table in keys.tables_holding:
            matrix[-1] = sign[mine]
        free = free_directions(matrix)
        projections[totals[mine]] = free
        norms[totals[mine]] = np.abs(free).max(axis=1)
    return norms, projections


def _rows_of_totals(keys: _Keys, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (index into `totals`, (table, place, dimension) key) for every dimension each total's place has."""
    start = np.searchsorted(keys.rows_holding, keys.place_key[totals] * keys.n_dim)
    end = np.searchsorted(keys.rows_holding, (keys.place_key[totals] + 1) * keys.n_dim)
    owner = np.repeat(np.arange(len(totals)), end - start)
    offsets = np.arange(len(owner)) - np.repeat(np.cumsum(end - start) - (end - start), end - start)
    return owner, keys.rows_holding[np.repeat(start, end - start) + offsets]


def free_directions(matrix: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """DIRECTIONS random vectors of the null space of `matrix` (as columns; one row per unknown). An unknown the
    equations pin down is 0 in every one; any other is 0 in all of them only by a chance of measure zero (and that
    error would only hide more).

    Rows with one nonzero pin their unknown to 0: those are peeled first (and again as peeling makes more). The rest
    is a projection: a random vector less its least-squares fit by the rows, which costs the unknowns times the
    square of the rows left (few), where a basis of the null space would cost the square of the unknowns.
    """
    n = matrix.shape[1]
    rng = rng or np.random.default_rng(7)
    live = np.ones(n, dtype=bool)
    rows = matrix[np.abs(matrix).sum(axis=1) > 0] if matrix.size else matrix.reshape(0, n)
    while len(rows):
        single = (rows[:, live] != 0).sum(axis=1) == 1
        if not single.any():
            break
        live &= ~(rows[single] != 0).any(axis=0)
        rows = rows[~single]
        rows = rows[(rows[:, live] != 0).any(axis=1)]
    directions = np.zeros((n, DIRECTIONS))
    if not live.any():
        return directions
    start = rng.standard_normal((int(live.sum()), DIRECTIONS))
    if len(rows):
        reduced = rows[:, live].T  # unknowns x equations
        fit, *_ = np.linalg.lstsq(reduced, start, rcond=None)
        start = start - reduced @ fit
    directions[live] = np.where(np.abs(start) > TOLERANCE, start, 0.0)
    return directions


@dataclass
class Audit:
    """The result of auditing one view of some tables: which unknown cells are determined, with the graph behind it."""

    determined: np.ndarray
    graph: _Graph
    keys: _Keys
    edge_of_cell: np.ndarray  # per cell: its edge index in the graph, or -1


def audit(cells: LinkedCells, unknown: np.ndarray) -> Audit:
    """Which of the `unknown` cells the published equations pin down exactly (see the module's docstring)."""
    keys = cells.keys
    graph = _Graph(cells, keys, unknown)
    norms, projections = _supply_space(cells, keys, graph, unknown)
    determined = unknown & keys.total & (norms < TOLERANCE)
    # Supplies at the rows: a place's free total at each of its dimension rows (the community's as a demand).
    supply = np.zeros((graph.n, DIRECTIONS))
    totals = np.flatnonzero(unknown & keys.total & (norms >= TOLERANCE))
    owner, row_keys = _rows_of_totals(keys, totals)
    nodes = graph.row_node(row_keys)
    owner, nodes = totals[owner[nodes >= 0]], nodes[nodes >= 0]
    np.add.at(supply, nodes, np.where(cells.community[owner], -1.0, 1.0)[:, None] * projections[owner])
    flow = np.column_stack([graph.subtree_sums(supply[:, i]) for i in range(DIRECTIONS)])
    bridge = graph.on_no_cycle()
    child = np.maximum(graph.child, 0)
    stuck = bridge & (np.abs(flow[child]).max(axis=1) < TOLERANCE)
    determined[graph.edge_cell[stuck]] = True
    if cells.value is not None:
        determined &= cells.value != 0  # a zero is published as such by the rules: working one out reveals nothing
    edge_of_cell = np.full(len(cells), -1)
    edge_of_cell[graph.edge_cell] = np.arange(len(graph.edge_cell))
    return Audit(determined, graph, keys, edge_of_cell)


def determined_cells(cells: LinkedCells, unknown: np.ndarray) -> np.ndarray:
    """Per cell: True when it is unknown and yet exactly determined by the published equations."""
    return audit(cells, unknown).determined if len(cells) else np.zeros(0, dtype=bool)


def equation_matrix(cells: LinkedCells) -> np.ndarray:
    """Every published equation that holds, over the cells (rows; +1 for a total, -1 for its parts), dense."""
    keys = cells.keys
    rows: list[np.ndarray] = []
    for row_key in keys.rows_holding:  # R
        rows.append(np.where(keys.row_key == row_key, -1.0, 0.0)
                    + np.where(keys.total & (keys.place_key == row_key // keys.n_dim), 1.0, 0.0))
    for column_key in keys.columns_holding:  # K
        members = keys.column_key == column_key
        rows.append(np.where(members & cells.community, 1.0, 0.0) - np.where(members & ~cells.community, 1.0, 0.0))
    for table in keys.tables_holding:  # T
        mine = keys.total & (cells.table == table)
        rows.append(np.where(mine & cells.community, 1.0, 0.0) - np.where(mine & ~cells.community, 1.0, 0.0))
    return np.array(rows) if rows else np.zeros((0, len(cells)))


def determined_by_rank(matrix: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """The rank test itself, densely: an unknown is determined when every null vector of the equations over the unknowns
    is 0 there (its unit vector lies in their row space). For stacked versions, and for checking the fast test."""
    determined = np.zeros(len(unknown), dtype=bool)
    columns = np.flatnonzero(unknown)
    if len(columns):
        determined[columns] = ~free_directions(matrix[:, columns]).any(axis=1)
    return determined


def protect(cells: LinkedCells, hidden: np.ndarray, views: list[tuple], can_hide: np.ndarray, preference: np.ndarray,
            reluctant: np.ndarray | None = None, left: list | None = None) -> tuple[np.ndarray, int]:
    """Hide more cells until no view determines a hidden cell it must not; returns the new hidden mask and how many
    such cells stay determined, counted once per view (0 unless a table runs out of cells to hide). `left`, when
    given, receives the indices of those cells, each once.

    Each view is (the cells with one quantity's values: which sums hold; what one observer knows besides the shown
    cells: values published before, a partner's own cells; and optionally which hidden cells that observer must not
    work out, by default all: a cell hidden only to protect another may be worked out, and then protects nothing).
    `can_hide` are the cells that may be hidden to protect another; `preference` orders those (smaller first: the
    smallest, the first by name among equals, so every rebuild hides the same ones); `reluctant` cells (zeros) are
    hidden only when nothing else will do.
    """
    reluctant = np.zeros(len(cells), dtype=bool) if reluctant is None else reluctant
    views = _distinct([(v[0], v[1], v[2] if len(v) > 2 else np.ones(len(cells), dtype=bool)) for v in views])
    hidden = hidden.copy()
    remaining = 0
    # Hiding more never makes another cell determined (null vectors stay null vectors with zeros added), so a view
    # with nothing determined needs no second look, nor does a table (equations never leave one).
    pending: list[tuple[tuple, np.ndarray | None]] = [(view, None) for view in views]
    may_hide = can_hide & ~reluctant
    for _ in range(MAX_ROUNDS):
        remaining, changed, still, found_now = 0, False, [], []
        for (view_cells, known, sensitive), tables in pending:
            found = _audit_tables(view_cells, hidden & ~known, tables)
            keys = found.keys
            determined = np.flatnonzero(found.determined & sensitive)
            remaining += len(determined)
            found_now.append(determined)
            if len(determined):
                still.append(((view_cells, known, sensitive), np.unique(cells.table[determined])))
            touched: set[int] = set()
            for cell in determined[np.lexsort((cells.group[determined], cells.dimension[determined],
                                               cells.place[determined], cells.table[determined]))]:
                margins = {int(keys.row_key[cell]), -1 - int(keys.column_key[cell]), -(1 << 62) - int(keys.place_key[cell])}
                if margins & touched:
                    continue  # a cell hidden for a neighbour this round may already free it: see next round
                choice = _complement(view_cells, found, cell, hidden, known, may_hide, preference)
                if choice is None:
                    choice = _complement(view_cells, found, cell, hidden, known, can_hide, preference)
                if choice is not None:
                    hidden[choice] = True
                    touched |= margins
                    changed = True
        pending = still
        if not changed:
            break
    if left is not None:
        left.extend(np.unique(np.concatenate(found_now)) if found_now else [])
    return hidden, remaining


def _distinct(views: list[tuple]) -> list[tuple]:
    """The views without repeats: two quantities whose sums hold alike, known alike and protected alike audit alike (a
    rate's numerators and denominators often do)."""
    kept: list[tuple] = []
    for view in views:
        keys = view[0].keys
        same = [other for other in kept if np.array_equal(other[1], view[1]) and np.array_equal(other[2], view[2])
                and all(np.array_equal(getattr(other[0].keys, name), getattr(keys, name))
                        for name in ("rows_holding", "columns_holding", "tables_holding"))]
        if not same:
            kept.append(view)
    return kept


def _complement(cells: LinkedCells, found: Audit, cell: int, hidden: np.ndarray, known: np.ndarray,
                can_hide: np.ndarray, preference: np.ndarray) -> int | None:
    """The cell to hide so that `cell` is no longer determined: one that closes a cycle through it if there is one,
    else one of the smallest sharing an equation with it that frees it, else the smallest of those that might (of all
    of them, when none might).

    Everything is worked out on the cell's own table (the equations never leave a table), and the candidates are tried
    together (see _frees)."""
    keys = found.keys
    rows = cells.rows_of_table(cells.table[cell])
    open_rows = rows[can_hide[rows] & ~hidden[rows] & ~known[rows]]
    if not len(open_rows):
        return None
    edge = found.edge_of_cell[cell]
    if edge >= 0 and found.graph.child[edge] >= 0:
        crossing = _crossing(keys, found, edge, open_rows[cells.dimension[open_rows] == cells.dimension[cell]])
        if len(crossing):
            return int(crossing[np.argmin(preference[crossing])])
    if keys.total[cell]:
        near = (keys.place_key[open_rows] == keys.place_key[cell]) | keys.total[open_rows]
    else:
        place_total = keys.total[open_rows] & (keys.place_key[open_rows] == keys.place_key[cell])
        near = ((keys.row_key[open_rows] == keys.row_key[cell]) | (keys.column_key[open_rows] == keys.column_key[cell])
                | place_total)
    candidates = open_rows[near]
    if not len(candidates):
        candidates = open_rows
    candidates = candidates[np.argsort(preference[candidates], kind="stable")]
    unknown = rows[hidden[rows] & ~known[rows]]
    # Only those that may free it are tried: a table's smallest cells are often other places' totals, which cannot free
    # a total its own place's groups pin down; tried first, they were hidden for nothing, one more each round, until
    # the rounds ran out with the total still worked out.
    tried = candidates[_may_free(keys, unknown, cell, candidates)][:CANDIDATES_TRIED]
    if not len(tried):
        return int(candidates[0])
    freed = _frees(cells, unknown, cell, tried)
    return int(tried[np.argmax(freed)])  # the first that frees it, else the smallest tried


def _part(cells: LinkedCells, rows: np.ndarray, copy: np.ndarray | None = None) -> LinkedCells:
    """The cells at `rows` as cells of their own, keeping the equations that hold among all of `cells`: an audit of a
    part holding every unknown cell of some tables says of those cells what an audit of the whole says (the equations
    never leave a table, and a shown cell is only a constant in them). With `copy` (per row, a number), rows of
    different copies are cells of different tables: several trials of one table audited at once."""
    keys = cells.keys
    part = cells.subset(rows)
    kept = object.__new__(_Keys)
    kept.__dict__.update(keys.__dict__)
    kept.total = keys.total[rows]
    kept.place_key, kept.row_key, kept.column_key = keys.place_key[rows], keys.row_key[rows], keys.column_key[rows]
    if copy is not None:
        # Copy j of table t is table t + j * tables, so each key moves by j * tables times its width per table.
        table, tables = int(cells.table[rows[0]]), int(cells.table.max()) + 1
        shift = np.arange(int(copy.max()) + 1) * tables
        part.table = part.table + copy * tables
        kept.place_key = kept.place_key + copy * tables * keys.n_place
        kept.row_key = kept.row_key + copy * tables * keys.n_place * keys.n_dim
        kept.column_key = kept.column_key + copy * tables * keys.n_dim * keys.n_group

        def copied(holding: np.ndarray, width: int) -> np.ndarray:
            mine = holding[np.searchsorted(holding, table * width):np.searchsorted(holding, (table + 1) * width)]
            return (mine[None, :] + shift[:, None] * width).ravel()

        kept.rows_holding = copied(keys.rows_holding, keys.n_place * keys.n_dim)
        kept.columns_holding = copied(keys.columns_holding, keys.n_dim * keys.n_group)
        kept.tables_holding = table + shift if table in keys.tables_holding else shift[:0]
    part.__dict__["keys"] = kept
    return part


def _audit_tables(cells: LinkedCells, unknown: np.ndarray, tables: np.ndarray | None) -> Audit:
    """audit(cells, unknown), of the unknown cells of `tables` only (of all tables when None): the same answer at the
    cost of the unknowns (see _part), indexed as `cells`."""
    rows = np.flatnonzero(unknown if tables is None else unknown & np.isin(cells.table, tables))
    found = audit(_part(cells, rows), np.ones(len(rows), dtype=bool))
    determined = np.zeros(len(cells), dtype=bool)
    determined[rows] = found.determined
    edge_of_cell = np.full(len(cells), -1)
    edge_of_cell[rows] = found.edge_of_cell
    return Audit(determined, found.graph, cells.keys, edge_of_cell)


def _may_free(keys: _Keys, unknown: np.ndarray, cell: int, candidates: np.ndarray) -> np.ndarray:
    """Per candidate: False where hiding it provably leaves `cell` determined, so no audit need try it.

    A total is pinned by a sum of its place's groups that holds and has no other unknown (its place's total less
    nothing: the audit peels such a row exactly, by no chance); hiding a cell outside that sum leaves it so."""
    may = np.ones(len(candidates), dtype=bool)
    if not keys.total[cell]:
        return may
    base = keys.place_key[cell] * keys.n_dim
    place_rows = keys.rows_holding[np.searchsorted(keys.rows_holding, base):np.searchsorted(keys.rows_holding, base + keys.n_dim)]
    unknown_rows = keys.row_key[unknown[~keys.total[unknown]]]
    for row in place_rows[~np.isin(place_rows, unknown_rows)]:
        may &= ~keys.total[candidates] & (keys.row_key[candidates] == row)
    return may


def _frees(cells: LinkedCells, unknown: np.ndarray, cell: int, candidates: np.ndarray) -> np.ndarray:
    """Per candidate: whether hiding it as well as the table's `unknown` cells leaves `cell` undetermined.

    All the trials in one audit: each is a copy of the table's unknown cells and its candidate, as a table of its own
    (see _part)."""
    trials = [np.sort(np.r_[unknown, candidate]) for candidate in candidates]
    part = _part(cells, np.concatenate(trials), np.repeat(np.arange(len(trials)), [len(t) for t in trials]))
    determined = audit(part, np.ones(len(part), dtype=bool)).determined
    starts = np.r_[0, np.cumsum([len(t) for t in trials])[:-1]]
    return ~determined[starts + np.array([np.searchsorted(t, cell) for t in trials])]


def _crossing(keys: _Keys, found: Audit, edge: int, open_cells: np.ndarray) -> np.ndarray:
    """Cells among `open_cells` (indices) whose two ends lie on the two sides of bridge `edge`: hiding one closes a
    cycle."""
    graph = found.graph
    child = int(graph.child[edge])
    below = graph.below(child)
    candidates = open_cells
    has_row = _among(keys.row_key[candidates], keys.rows_holding)
    has_col = _among(keys.column_key[candidates], keys.columns_holding)
    a = np.where(has_row, graph.row_node(keys.row_key[candidates]), _F)
    b = np.where(has_col, graph.col_node(keys.column_key[candidates]), _F)
    component = graph.component[child]
    inside = (a >= 0) & (b >= 0)
    a, b = np.maximum(a, 0), np.maximum(b, 0)
    same = inside & (graph.component[a] == component) & (graph.component[b] == component)
    return candidates[same & (below[a] != below[b])]


def holding_sums(cells: LinkedCells) -> dict[str, np.ndarray]:
    """The equations that exist and hold, as codes: "R" rows (table, place, dimension), "K" columns (table,
    dimension, group) and "T" tables (each as a 2-d array, one equation per row)."""
    keys = cells.keys
    place_part, dim_part = np.divmod(keys.rows_holding, keys.n_dim)
    table_r, place_r = np.divmod(place_part, keys.n_place)
    rest, group_k = np.divmod(keys.columns_holding, keys.n_group)
    table_k, dim_k = np.divmod(rest, keys.n_dim)
    return {"R": np.column_stack([table_r, place_r, dim_part - 1]),
            "K": np.column_stack([table_k, dim_k - 1, group_k - 1]),
            "T": keys.tables_holding.reshape(-1, 1)}


def determined_across_versions(systems: list[tuple[np.ndarray, list, np.ndarray]]) -> set:
    """The rank test over several published versions at once: each system is (equations over its unknowns, one label
    per unknown, which unknowns are sensitive); an unknown with the same label in two versions is the same number (a
    cell whose value did not change). Returns the labels of the sensitive unknowns the versions together determine."""
    labels: dict = {}
    sensitive = {name for _, names, flags in systems for name, flag in zip(names, flags, strict=True) if flag}
    for _, names, _ in systems:
        for name in names:
            labels.setdefault(name, len(labels))
    if not labels:
        return set()
    stacked = []
    for matrix, names, _ in systems:
        if matrix.size:
            wide = np.zeros((matrix.shape[0], len(labels)))
            wide[:, [labels[n] for n in names]] = matrix
            stacked.append(wide)
    whole = np.vstack(stacked) if stacked else np.zeros((0, len(labels)))
    determined = determined_by_rank(whole, np.ones(len(labels), dtype=bool))
    # A label ends with the cell's number: a zero is published as such by the rules, so working one out reveals nothing.
    return {name for name, i in labels.items() if determined[i] and name[-1] != 0 and name in sensitive}
