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

from collections import deque
from dataclasses import dataclass

import numpy as np
from scipy.linalg import qr
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components

TOLERANCE = 1e-9
# Rounds of "audit, then hide one more cell for each determined one" before giving up on a table (never reached in
# the fuzz of thousands of tables: most need one or two).
MAX_ROUNDS = 60
# How many of the smallest cells sharing an equation with a determined cell are tried, when no single cell closes a
# cycle through it, before the smallest is hidden anyway (the next round continues from there).
CANDIDATES_TRIED = 6
_F = 0  # the free node


@dataclass(frozen=True)
class LinkedCells:
    """The cells of some linked tables as integer codes, one entry per cell (codes from sorted names: deterministic)."""

    table: np.ndarray  # which table (metric x period)
    place: np.ndarray  # which place; the community has a code of its own
    community: np.ndarray  # True for the whole community's cells
    dimension: np.ndarray  # which dimension; -1 for everyone
    group: np.ndarray  # which group; -1 for everyone

    def __len__(self) -> int:
        return len(self.table)

    def subset(self, rows: np.ndarray) -> LinkedCells:
        """The cells at `rows` (indices or a mask)."""
        return LinkedCells(self.table[rows], self.place[rows], self.community[rows], self.dimension[rows], self.group[rows])


class _Keys:
    """Integer keys of the equations a cell is in: its place's total (R), its column's community cell (K)."""

    def __init__(self, cells: LinkedCells):
        self.n_place = int(cells.place.max(initial=0)) + 1
        self.n_dim = int(cells.dimension.max(initial=0)) + 2
        self.n_group = int(cells.group.max(initial=0)) + 2
        self.total = cells.dimension < 0
        self.place_key = cells.table.astype(np.int64) * self.n_place + cells.place  # (table, place)
        self.row_key = self.place_key * self.n_dim + (cells.dimension + 1)  # (table, place, dimension)
        self.column_key = (cells.table.astype(np.int64) * self.n_dim + (cells.dimension + 1)) * self.n_group + (cells.group + 1)
        # Which equations exist: a place's rows need its total; a column needs its community cell; T the community total.
        self.places_with_total = np.unique(self.place_key[self.total])
        self.columns_with_community = np.unique(self.column_key[cells.community & ~self.total])
        self.community_total = cells.community & self.total
        self.tables_with_community_total = np.unique(cells.table[self.community_total])
        self.rows_present = np.unique(self.row_key[~self.total])  # (table, place, dimension) with any group cell


class _Graph:
    """One bipartite graph per table and dimension, all in one: hidden unknown group cells are its edges."""

    def __init__(self, cells: LinkedCells, keys: _Keys, unknown: np.ndarray):
        self.edge_cell = np.flatnonzero(unknown & ~keys.total)
        rows, cols = keys.row_key[self.edge_cell], keys.column_key[self.edge_cell]
        has_row = np.isin(keys.place_key[self.edge_cell], keys.places_with_total)
        has_col = np.isin(cols, keys.columns_with_community)
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

    def subtree_nodes(self, node: int) -> set[int]:
        """The nodes below `node` in the spanning tree, itself included."""
        children: dict[int, list[int]] = {}
        members = np.flatnonzero(self.component == self.component[node])
        for v in members:
            if self.pred[v] >= 0:
                children.setdefault(int(self.pred[v]), []).append(int(v))
        found, queue = {node}, deque([node])
        while queue:
            for w in children.get(queue.popleft(), ()):
                found.add(w)
                queue.append(w)
        return found


def _supply_space(cells: LinkedCells, keys: _Keys, graph: _Graph, unknown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each hidden unknown total: the norm of its row of the supplies' null space and two random projections of it
    (its free supply, in two directions); 0 for a total the equations pin down."""
    totals = np.flatnonzero(unknown & keys.total)
    norms = np.zeros(len(cells))
    projections = np.zeros((len(cells), 2))
    if not len(totals):
        return norms, projections
    sign = np.where(cells.community[totals], -1.0, 1.0)
    # The rows (table, place, dimension) each hidden total supplies: one constraint per component without F.
    owner, row_keys = _rows_of_totals(keys, totals)
    node = graph.row_node(row_keys)
    component = np.where(node >= 0, graph.component[np.maximum(node, 0)], -1 - np.arange(len(node)))
    free = (node >= 0) & (component == graph.component[_F])
    owner, component = owner[~free], component[~free]
    rng = np.random.default_rng(7)
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
        if table in keys.tables_with_community_total:
            matrix[-1] = sign[mine]
        null = _null_space(matrix)
        norms[totals[mine]] = np.linalg.norm(null, axis=1) if null.size else 0.0
        if null.size:
            projections[totals[mine]] = null @ rng.standard_normal((null.shape[1], 2))
    return norms, projections


def _rows_of_totals(keys: _Keys, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (index into `totals`, (table, place, dimension) key) for every dimension each total's place has."""
    start = np.searchsorted(keys.rows_present, keys.place_key[totals] * keys.n_dim)
    end = np.searchsorted(keys.rows_present, (keys.place_key[totals] + 1) * keys.n_dim)
    owner = np.repeat(np.arange(len(totals)), end - start)
    offsets = np.arange(len(owner)) - np.repeat(np.cumsum(end - start) - (end - start), end - start)
    return owner, keys.rows_present[np.repeat(start, end - start) + offsets]


def _null_space(matrix: np.ndarray) -> np.ndarray:
    """An orthonormal basis (columns) of the null space of `matrix`.

    Rows with one nonzero pin their unknown to 0: those are peeled first (and again as peeling makes more), so the
    SVD sees only the rows that tie two or more unknowns together.
    """
    n = matrix.shape[1]
    live = np.ones(n, dtype=bool)
    rows = matrix[np.abs(matrix).sum(axis=1) > 0] if matrix.size else matrix.reshape(0, n)
    while len(rows):
        single = (rows[:, live] != 0).sum(axis=1) == 1
        if not single.any():
            break
        live &= ~(rows[single] != 0).any(axis=0)
        rows = rows[~single]
        rows = rows[(rows[:, live] != 0).any(axis=1)]
    basis = np.zeros((n, 0))
    if not live.any():
        return basis
    reduced = np.unique(rows[:, live], axis=0) if len(rows) else np.zeros((0, int(live.sum())))
    if len(reduced):
        # The null space is the orthogonal complement of the rows' span: the last columns of a full QR of the transpose
        # (cost grows with the square of the unknowns times the rows, and the rows left are few).
        q, r, _ = qr(reduced.T, mode="full", pivoting=True)
        diagonal = np.abs(np.diag(r)) if r.size else np.zeros(0)
        rank = int((diagonal > TOLERANCE * max(reduced.shape)).sum())
        free = q[:, rank:]
    else:
        free = np.eye(int(live.sum()))
    basis = np.zeros((n, free.shape[1]))
    basis[live] = free
    return basis


@dataclass
class Audit:
    """The result of auditing one view of some tables: which unknown cells are determined, with the graph behind it."""

    determined: np.ndarray
    graph: _Graph
    keys: _Keys
    edge_of_cell: np.ndarray  # per cell: its edge index in the graph, or -1


def audit(cells: LinkedCells, unknown: np.ndarray) -> Audit:
    """Which of the `unknown` cells the published equations pin down exactly (see the module's docstring)."""
    keys = _Keys(cells)
    graph = _Graph(cells, keys, unknown)
    norms, projections = _supply_space(cells, keys, graph, unknown)
    determined = unknown & keys.total & (norms < TOLERANCE)
    # Supplies at the rows: a place's free total at each of its dimension rows (the community's as a demand).
    supply = np.zeros((graph.n, 2))
    totals = np.flatnonzero(unknown & keys.total & (norms >= TOLERANCE))
    owner, row_keys = _rows_of_totals(keys, totals)
    nodes = graph.row_node(row_keys)
    owner, nodes = totals[owner[nodes >= 0]], nodes[nodes >= 0]
    np.add.at(supply, nodes, np.where(cells.community[owner], -1.0, 1.0)[:, None] * projections[owner])
    flow = np.column_stack([graph.subtree_sums(supply[:, 0]), graph.subtree_sums(supply[:, 1])])
    bridge = graph.on_no_cycle()
    child = np.maximum(graph.child, 0)
    stuck = bridge & (np.abs(flow[child]).max(axis=1) < TOLERANCE)
    determined[graph.edge_cell[stuck]] = True
    edge_of_cell = np.full(len(cells), -1)
    edge_of_cell[graph.edge_cell] = np.arange(len(graph.edge_cell))
    return Audit(determined, graph, keys, edge_of_cell)


def determined_cells(cells: LinkedCells, unknown: np.ndarray) -> np.ndarray:
    """Per cell: True when it is unknown and yet exactly determined by the published equations."""
    return audit(cells, unknown).determined if len(cells) else np.zeros(0, dtype=bool)


def equation_matrix(cells: LinkedCells) -> np.ndarray:
    """Every published equation over the cells (rows; coefficients +1 for a total, -1 for its parts), dense."""
    keys = _Keys(cells)
    index = np.arange(len(cells))
    rows: list[np.ndarray] = []
    # R: a place's total is the sum of its groups in each dimension it has.
    groups = ~keys.total & np.isin(keys.place_key, keys.places_with_total)
    total_of_place = dict(zip(keys.place_key[keys.total].tolist(), index[keys.total].tolist(), strict=True))
    for row_key in np.unique(keys.row_key[groups]):
        row = np.zeros(len(cells))
        row[index[keys.row_key == row_key]] = -1.0
        row[total_of_place[int(row_key // keys.n_dim)]] = 1.0
        rows.append(row)
    # K: the community's cell of a group is the sum of the places' cells of it.
    for column_key in keys.columns_with_community:
        row = np.zeros(len(cells))
        members = keys.column_key == column_key
        row[members & ~cells.community] = -1.0
        row[members & cells.community] = 1.0
        rows.append(row)
    # T: the community's total is the sum of the places' totals.
    for table in keys.tables_with_community_total:
        row = np.zeros(len(cells))
        mine = keys.total & (cells.table == table)
        row[mine & ~cells.community] = -1.0
        row[mine & cells.community] = 1.0
        rows.append(row)
    return np.array(rows) if rows else np.zeros((0, len(cells)))


def determined_by_rank(matrix: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """The rank test itself, densely: an unknown is determined when every null vector of the equations over the unknowns
    is 0 there (its unit vector lies in their row space). For checking the fast test, and for stacked versions."""
    determined = np.zeros(len(unknown), dtype=bool)
    columns = np.flatnonzero(unknown)
    if not len(columns):
        return determined
    sub = matrix[:, columns]
    sub = sub[np.abs(sub).sum(axis=1) > 0]
    null = _null_space(sub)
    determined[columns] = (np.linalg.norm(null, axis=1) < 1e-7) if null.size else True
    return determined
