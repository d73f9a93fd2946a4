"""Placement of a circuit's qubits on a Google processor and routing with ``cirq.RouteCQC``.

Strategies (``placement=``):

* ``'keep'`` — the circuit already uses the device's ``GridQubit``s: keep them;
* ``'embed'`` — map the circuit's interaction graph into the device graph so every
  two-qubit gate lands on a coupler (a bounded backtracking search; zero SWAPs when it
  succeeds: chains, even rings, 2-D patches);
* ``'line'`` — the sorted circuit qubits along a path of the device
  (``cirq_google.line_on_device``, with a search as fallback);
* ``'grid'`` — a circuit on ``GridQubit``s keeps its shape: translated (and rotated or
  reflected) onto the device;
* ``'router'`` — ``cirq.LineInitialMapper``, RouteCQC's own initial placement;
* ``'auto'`` — every strategy that applies, keeping the one with the fewest SWAPs (then
  the shallowest routed circuit; ties go to the first in the order keep, embed, line,
  grid, router).

After placement ``cirq.RouteCQC`` inserts the SWAPs that the remaining two-qubit gates
need (routing only moves qubits among the placed ones).  The :class:`RoutedCircuit` keeps
the initial and final logical-to-physical maps, so observables measured at the end are
taken on the qubit where each logical qubit has ended up (:meth:`RoutedCircuit.map_observable`).
"""

from __future__ import annotations

import dataclasses
from typing import Mapping, Sequence

import cirq
import cirq_google
import networkx as nx

from bpcalc.circuits import as_pauli_sum

from .devices import DeviceLike, HardwareTarget, load_target

__all__ = [
    "PLACEMENTS",
    "RoutedCircuit",
    "interaction_graph",
    "place_qubits",
    "route_on_device",
]

PLACEMENTS = ("auto", "keep", "embed", "line", "grid", "router")

_SEARCH_BUDGET = 200_000


def interaction_graph(circuit: cirq.AbstractCircuit) -> nx.Graph:
    """Graph on the circuit's qubits with an edge for every pair sharing a two-qubit gate.

    Raises
    ------
    ValueError : if an operation (other than a measurement) acts on more than two qubits.
    """
    g = nx.Graph()
    g.add_nodes_from(circuit.all_qubits())
    for op in circuit.all_operations():
        if len(op.qubits) > 2 and not cirq.is_measurement(op):
            raise ValueError(
                f"operation {op} acts on {len(op.qubits)} qubits; decompose it into one- and two-qubit "
                "gates first (verify.hardware.compile_for_device does this)"
            )
        if len(op.qubits) == 2:
            g.add_edge(*op.qubits)
    return g


def _two_qubit_count(circuit: cirq.AbstractCircuit) -> int:
    return sum(1 for op in circuit.all_operations() if len(op.qubits) == 2)


# ---------------------------------------------------------------------------------------
# placement strategies: each returns {logical qubit: physical GridQubit} or raises ValueError


def _keep(qubits: Sequence[cirq.Qid], target: HardwareTarget) -> dict[cirq.Qid, cirq.Qid]:
    off = [q for q in qubits if q not in target.device.metadata.qubit_set]
    if off:
        raise ValueError(
            f"placement 'keep' needs the circuit on {target.name}'s qubits, but {off[:5]} "
            f"{'are' if len(off) > 1 else 'is'} not on the device"
        )
    return {q: q for q in qubits}


def _simple_path(graph: nx.Graph, length: int) -> list[cirq.Qid]:
    """A simple path with ``length`` nodes (depth-first search with a step budget)."""
    steps = 0
    nodes = sorted(graph.nodes, key=lambda q: (graph.degree(q), q))
    for start in nodes:
        stack = [(start, [start], {start})]
        while stack:
            node, path, seen = stack.pop()
            steps += 1
            if steps > _SEARCH_BUDGET:
                raise ValueError(f"no line of {length} qubits found within the search budget")
            if len(path) == length:
                return path
            for nb in sorted(graph.neighbors(node), key=lambda q: -graph.degree(q)):
                if nb not in seen:
                    stack.append((nb, path + [nb], seen | {nb}))
    raise ValueError(f"the device has no line of {length} connected qubits")


def _line(qubits: Sequence[cirq.Qid], target: HardwareTarget) -> dict[cirq.Qid, cirq.Qid]:
    n = len(qubits)
    if n > len(target.qubits):
        raise ValueError(f"the circuit has {n} qubits but {target.name} has only {len(target.qubits)}")
    path: list[cirq.Qid] = []
    if n > 1:
        try:
            path = list(cirq_google.line_on_device(target.device, n))
        except Exception:  # the greedy search can fail on irregular devices; search instead
            path = []
    if len(path) != n:
        path = _simple_path(target.graph, n) if n > 1 else [target.qubits[len(target.qubits) // 2]]
    return dict(zip(sorted(qubits), path))


def _grid(qubits: Sequence[cirq.Qid], target: HardwareTarget, edges: nx.Graph) -> dict[cirq.Qid, cirq.Qid]:
    if not all(isinstance(q, cirq.GridQubit) for q in qubits):
        raise ValueError("placement 'grid' needs a circuit on cirq.GridQubits (it keeps their 2-D layout)")
    device = set(target.qubits)
    coupled = {frozenset(e) for e in target.graph.edges}
    rows = [q.row for q in target.qubits]
    cols = [q.col for q in target.qubits]
    transforms = [
        lambda r, c: (r, c), lambda r, c: (c, -r), lambda r, c: (-r, -c), lambda r, c: (-c, r),
        lambda r, c: (r, -c), lambda r, c: (-r, c), lambda r, c: (c, r), lambda r, c: (-c, -r),
    ]
    best: tuple[int, dict] | None = None
    for t in transforms:
        shape = {q: t(q.row, q.col) for q in qubits}
        r0 = min(r for r, _ in shape.values())
        c0 = min(c for _, c in shape.values())
        for dr in range(min(rows) - 0, max(rows) + 1):
            for dc in range(min(cols), max(cols) + 1):
                m = {q: cirq.GridQubit(r - r0 + dr, c - c0 + dc) for q, (r, c) in shape.items()}
                if not set(m.values()) <= device:
                    continue
                good = sum(1 for a, b in edges.edges if frozenset((m[a], m[b])) in coupled)
                if best is None or good > best[0]:
                    best = (good, m)
                if good == edges.number_of_edges():
                    return m
    if best is None:
        raise ValueError(f"the circuit's grid layout does not fit on {target.name} in any orientation")
    return best[1]


def _embed(qubits: Sequence[cirq.Qid], target: HardwareTarget, edges: nx.Graph) -> dict[cirq.Qid, cirq.Qid]:
    """Map the interaction graph into the device graph edge-preservingly (backtracking)."""
    dev = target.graph
    if len(qubits) > dev.number_of_nodes():
        raise ValueError(f"the circuit has {len(qubits)} qubits but {target.name} has {dev.number_of_nodes()}")
    if max((d for _, d in edges.degree), default=0) > max(d for _, d in dev.degree):
        raise ValueError("a qubit interacts with more partners than any device qubit has couplers")
    if nx.is_bipartite(dev) and not nx.is_bipartite(edges):
        raise ValueError("the interaction graph has an odd cycle; the device graph has none")
    order: list[cirq.Qid] = []
    for comp in sorted(nx.connected_components(edges), key=lambda c: (-len(c), sorted(c))):
        start = max(sorted(comp), key=edges.degree)
        order += [start] + [v for _, v in nx.bfs_edges(edges, start)]
    device_nodes = sorted(dev.nodes, key=lambda q: (-dev.degree(q), q))
    steps = 0
    mapping: dict[cirq.Qid, cirq.Qid] = {}
    used: set[cirq.Qid] = set()

    def candidates(v: cirq.Qid) -> list[cirq.Qid]:
        placed = [mapping[u] for u in edges.neighbors(v) if u in mapping]
        if not placed:
            return [p for p in device_nodes if p not in used]
        common = set(dev.neighbors(placed[0]))
        for p in placed[1:]:
            common &= set(dev.neighbors(p))
        return sorted((p for p in common if p not in used), key=lambda q: (-dev.degree(q), q))

    def extend(i: int) -> bool:
        nonlocal steps
        if i == len(order):
            return True
        v = order[i]
        for p in candidates(v):
            steps += 1
            if steps > _SEARCH_BUDGET:
                raise ValueError("no embedding found within the search budget")
            if dev.degree(p) < edges.degree(v):
                continue
            mapping[v] = p
            used.add(p)
            if extend(i + 1):
                return True
            del mapping[v]
            used.discard(p)
        return False

    if not extend(0):
        raise ValueError(f"the circuit's interaction graph does not embed in {target.name}'s device graph")
    return dict(mapping)


def place_qubits(
    circuit: cirq.AbstractCircuit, target: DeviceLike, placement: str = "line"
) -> dict[cirq.Qid, cirq.Qid]:
    """Initial map ``{circuit qubit: device GridQubit}`` for one placement strategy.

    Parameters
    ----------
    circuit : a circuit of one- and two-qubit operations (measurements may be wider).
    target : a processor name, ``GridDevice``, spec proto/file or :class:`HardwareTarget`.
    placement : one of :data:`PLACEMENTS` except ``'auto'`` (see the module docstring).

    Raises
    ------
    ValueError : unknown strategy, or a strategy that does not apply to this circuit.
    """
    target = load_target(target)
    if placement not in PLACEMENTS or placement == "auto":
        raise ValueError(f"unknown placement {placement!r}; expected one of {PLACEMENTS[1:]}")
    edges = interaction_graph(circuit)
    qubits = sorted(circuit.all_qubits())
    if not qubits:
        raise ValueError("the circuit acts on no qubits")
    if placement == "keep":
        return _keep(qubits, target)
    if placement == "line":
        return _line(qubits, target)
    if placement == "grid":
        return _grid(qubits, target, edges)
    if placement == "embed":
        return _embed(qubits, target, edges)
    if len(qubits) > len(target.qubits):
        raise ValueError(f"the circuit has {len(qubits)} qubits but {target.name} has {len(target.qubits)}")
    return dict(cirq.LineInitialMapper(target.graph).initial_mapping(cirq.Circuit(circuit)))


@dataclasses.dataclass(frozen=True)
class RoutedCircuit:
    """A circuit placed on a device and routed (SWAPs inserted), before gate compilation.

    Attributes
    ----------
    circuit : the routed circuit on the device's qubits; inserted SWAPs carry
        ``cirq.RoutingSwapTag``.
    initial_map : logical qubit -> physical qubit at the start.
    final_map : logical qubit -> physical qubit at the end (after the SWAPs).
    placement : the strategy used.
    n_swaps : SWAPs inserted by routing.
    logical_two_qubit_gates : two-qubit gates of the input circuit.
    candidates : ``(strategy, n_swaps)`` of every strategy tried (``'auto'``), or a reason
        string in place of ``n_swaps`` where a strategy did not apply.
    """

    circuit: cirq.Circuit
    initial_map: Mapping[cirq.Qid, cirq.Qid]
    final_map: Mapping[cirq.Qid, cirq.Qid]
    placement: str
    n_swaps: int
    logical_two_qubit_gates: int
    candidates: tuple[tuple[str, object], ...] = ()

    @property
    def swap_overhead(self) -> float:
        """Extra two-qubit gates per logical two-qubit gate, counting a SWAP as 3 CZ-class gates."""
        return 3 * self.n_swaps / max(self.logical_two_qubit_gates, 1)

    @property
    def permutation(self) -> dict[cirq.Qid, cirq.Qid]:
        """Physical qubit at the start -> physical qubit at the end, for every placed qubit."""
        return {self.initial_map[q]: self.final_map[q] for q in self.initial_map}

    def map_observable(self, observable: object) -> cirq.PauliSum:
        """The observable of the logical circuit, on the physical qubits at the END of the circuit.

        Raises
        ------
        ValueError : if it acts on a qubit that was not placed.
        """
        ps = as_pauli_sum(observable)
        missing = {q for term in ps for q in term.qubits} - set(self.final_map)
        if missing:
            raise ValueError(f"observable acts on qubits {sorted(missing)} that are not in the placed circuit")
        return ps.with_qubits(*[self.final_map[q] for q in ps.qubits]) if ps.qubits else ps

    def summary(self) -> dict:
        """Plain-data summary (for reports and JSON)."""
        return {
            "placement": self.placement,
            "n_swaps": self.n_swaps,
            "logical_two_qubit_gates": self.logical_two_qubit_gates,
            "swap_overhead": self.swap_overhead,
            "initial_map": {str(k): str(v) for k, v in sorted(self.initial_map.items())},
            "final_map": {str(k): str(v) for k, v in sorted(self.final_map.items())},
            "candidates": [[s, v] for s, v in self.candidates],
        }


def _route(
    circuit: cirq.AbstractCircuit, target: HardwareTarget, mapping: dict, lookahead_radius: int
) -> tuple[cirq.Circuit, dict, int]:
    router = cirq.RouteCQC(target.graph)
    routed, initial, swap_map = router.route_circuit(
        cirq.Circuit(circuit),
        lookahead_radius=lookahead_radius,
        tag_inserted_swaps=True,
        initial_mapper=cirq.HardCodedInitialMapper(mapping),
    )
    n_swaps = sum(1 for op in routed.all_operations() if cirq.RoutingSwapTag() in op.tags)
    final = {q: swap_map[initial[q]] for q in initial}
    return cirq.Circuit(routed), final, n_swaps


def route_on_device(
    circuit: cirq.AbstractCircuit,
    target: DeviceLike,
    placement: str = "auto",
    lookahead_radius: int = 8,
) -> RoutedCircuit:
    """Place ``circuit`` on the device and route it with ``cirq.RouteCQC``.

    Parameters
    ----------
    circuit : one- and two-qubit operations (and measurements) on any qubits.
    target : processor name, ``GridDevice``, spec proto/file or :class:`HardwareTarget`.
    placement : one of :data:`PLACEMENTS`.
    lookahead_radius : RouteCQC's look-ahead (moments) when ranking candidate SWAPs.

    Returns
    -------
    RoutedCircuit

    Raises
    ------
    ValueError : unknown strategy, too many qubits, or no strategy that applies.

    Examples
    --------
    >>> from bpcalc.circuits import hardware_efficient
    >>> r = route_on_device(hardware_efficient(6, 2), "rainbow")
    >>> r.n_swaps
    0
    """
    target = load_target(target)
    if placement not in PLACEMENTS:
        raise ValueError(f"unknown placement {placement!r}; expected one of {PLACEMENTS}")
    interaction_graph(circuit)  # raises on >2-qubit gates
    logical_2q = _two_qubit_count(circuit)
    if placement != "auto":
        mapping = place_qubits(circuit, target, placement)
        routed, final, n_swaps = _route(circuit, target, mapping, lookahead_radius)
        return RoutedCircuit(routed, mapping, final, placement, n_swaps, logical_2q, ((placement, n_swaps),))
    tried: list[tuple[str, object]] = []
    best = None
    for strategy in ("keep", "embed", "line", "grid", "router"):
        try:
            mapping = place_qubits(circuit, target, strategy)
            routed, final, n_swaps = _route(circuit, target, mapping, lookahead_radius)
        except ValueError as exc:
            tried.append((strategy, f"not applicable: {exc}"))
            continue
        tried.append((strategy, n_swaps))
        key = (n_swaps, len(routed))
        if best is None or key < best[0]:
            best = (key, strategy, mapping, routed, final, n_swaps)
    if best is None:
        raise ValueError(f"no placement strategy applies on {target.name}: " + "; ".join(f"{s}: {r}" for s, r in tried))
    _, strategy, mapping, routed, final, n_swaps = best
    return RoutedCircuit(routed, mapping, final, strategy, n_swaps, logical_2q, tuple(tried))
