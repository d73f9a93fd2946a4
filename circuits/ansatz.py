"""Parametrized ansätze (trainable QNNs ``V(θ)``) as plain ``cirq.Circuit`` objects.

Every builder returns a ``cirq.Circuit`` on ``cirq.LineQubit.range(n)`` (or on the qubits
passed), with sympy symbols named ``theta_<layer>_<qubit>_<k>`` (per-qubit rotations) or
``theta_<layer>_b<block>_<k>`` (block-internal parameters; see :mod:`bpcalc.circuits.symbols`).
Entangling gates are laid out in explicit brick moments, so light cones grow by one
qubit per side per entangling moment, as in the papers.

References
----------
.. [1] M. Cerezo, A. Sone, T. Volkoff, L. Cincio, P. J. Coles, "Cost function dependent
   barren plateaus in shallow parametrized quantum circuits", Nat. Commun. 12, 1791
   (2021), arXiv:2001.00550 (alternating layered ansatz).
.. [2] S. Thanasilp, S. Wang, N. A. Nghiem, P. J. Coles, M. Cerezo, "Subtleties in the
   trainability of quantum machine learning models", Quantum Mach. Intell. 5, 21 (2023),
   arXiv:2110.14753 (tensor-product QNN).
.. [3] I. Cong, S. Choi, M. D. Lukin, "Quantum convolutional neural networks", Nat. Phys.
   15, 1273 (2019), arXiv:1810.03787; A. Pesah et al., "Absence of barren plateaus in
   quantum convolutional neural networks", PRX 11, 041011 (2021), arXiv:2011.02966.
"""

from __future__ import annotations

from typing import Sequence

import cirq
import sympy

from ._validation import require_positive_int, resolve_qubits
from .blocks import block_tag

__all__ = [
    "ROTATIONS",
    "ENTANGLERS",
    "hardware_efficient",
    "alternating_layered",
    "tensor_product",
    "qcnn",
    "entangling_pairs",
    "ANSATZE",
    "ANSATZ_ALIASES",
    "ansatz_key",
    "make_ansatz",
]

ROTATIONS = {"rx": cirq.rx, "ry": cirq.ry, "rz": cirq.rz}
ENTANGLERS = {"cz": cirq.CZ, "cnot": cirq.CNOT, "cx": cirq.CNOT}
TOPOLOGIES = ("chain", "ring", "brick")


def _check_rotations(rotations: Sequence[str]) -> tuple[str, ...]:
    if isinstance(rotations, str):
        rotations = (rotations,)
    rotations = tuple(rotations)
    if not rotations:
        raise ValueError("rotations must name at least one of 'rx', 'ry', 'rz'")
    for r in rotations:
        if r not in ROTATIONS:
            raise ValueError(f"unknown rotation {r!r}; expected one of {sorted(ROTATIONS)}")
    return rotations


def _check_entangler(entangler: str) -> cirq.Gate:
    if entangler not in ENTANGLERS:
        raise ValueError(f"unknown entangler {entangler!r}; expected one of {sorted(ENTANGLERS)}")
    return ENTANGLERS[entangler]


def entangling_pairs(n: int, topology: str, layer: int = 0) -> list[list[tuple[int, int]]]:
    """Index pairs of one entangling layer, grouped into parallel moments.

    ``chain``: even bonds then odd bonds (two moments); ``ring``: the chain plus the bond
    ``(n-1, 0)`` (in a third moment when ``n`` is odd); ``brick``: even bonds on even
    layers and odd bonds on odd layers (one moment).
    """
    if topology not in TOPOLOGIES:
        raise ValueError(f"unknown topology {topology!r}; expected one of {TOPOLOGIES}")
    even = [(i, i + 1) for i in range(0, n - 1, 2)]
    odd = [(i, i + 1) for i in range(1, n - 1, 2)]
    if topology == "brick":
        return [p for p in ([even] if layer % 2 == 0 else [odd]) if p]
    moments = [p for p in (even, odd) if p]
    if topology == "ring" and n > 2:
        if n % 2 == 0:
            moments[-1] = moments[-1] + [(n - 1, 0)]
        else:
            moments.append([(n - 1, 0)])
    return moments


def hardware_efficient(
    n: int,
    layers: int,
    rotations: Sequence[str] = ("ry", "rz"),
    entangler: str = "cz",
    topology: str = "chain",
    qubits: Sequence[cirq.Qid] | None = None,
    final_rotations: bool = False,
) -> cirq.Circuit:
    """Hardware-efficient ansatz: ``layers`` × (single-qubit rotations, entangling layer).

    Parameters
    ----------
    n : number of qubits (>= 1).
    layers : number of layers (>= 1).
    rotations : rotation gates applied to every qubit in each layer, in order
        (``'rx'``, ``'ry'``, ``'rz'``); parameter ``theta_<layer>_<qubit>_<k>``.
    entangler : ``'cz'`` or ``'cnot'``.
    topology : ``'chain'``, ``'ring'`` or ``'brick'`` (see :func:`entangling_pairs`).
    qubits : qubits to use instead of ``cirq.LineQubit.range(n)``.
    final_rotations : append one more rotation layer (``layer = layers``) after the last
        entangler.

    Examples
    --------
    >>> c = hardware_efficient(3, 1)
    >>> len(cirq.parameter_symbols(c))
    6
    """
    layers = require_positive_int(layers, "layers")
    qs = resolve_qubits(n, qubits)
    rotations = _check_rotations(rotations)
    gate = _check_entangler(entangler)
    circuit = cirq.Circuit()
    for layer in range(layers + (1 if final_rotations else 0)):
        for k, name in enumerate(rotations):
            circuit.append(
                cirq.Moment(
                    ROTATIONS[name](sympy.Symbol(f"theta_{layer}_{i}_{k}")).on(q) for i, q in enumerate(qs)
                )
            )
        if layer == layers:
            break
        for pairs in entangling_pairs(len(qs), topology, layer):
            circuit.append(cirq.Moment(gate(qs[a], qs[b]) for a, b in pairs))
    return circuit


def _block_moments(
    qs: Sequence[cirq.Qid], layer: int, block: int, depth: int, rotations: Sequence[str]
) -> list[list[cirq.Operation]]:
    """Moments of one block: ``depth`` × (rotations on each qubit, CZ brick inside the block)."""
    tag = block_tag(layer, block)
    moments: list[list[cirq.Operation]] = []
    counter = 0
    for d in range(depth):
        for name in rotations:
            ops = []
            for q in qs:
                ops.append(ROTATIONS[name](sympy.Symbol(f"theta_{layer}_b{block}_{counter}")).on(q).with_tags(tag))
                counter += 1
            moments.append(ops)
        if len(qs) > 1:
            for pairs in entangling_pairs(len(qs), "chain"):
                moments.append([cirq.CZ(qs[a], qs[b]).with_tags(tag) for a, b in pairs])
    return moments


def _layer_of_blocks(
    blocks: list[list[cirq.Qid]], layer: int, depth: int, rotations: Sequence[str], first_index: int = 0
) -> list[cirq.Moment]:
    per_block = [_block_moments(b, layer, first_index + i, depth, rotations) for i, b in enumerate(blocks)]
    length = max(len(m) for m in per_block)
    return [
        cirq.Moment(op for moments in per_block if t < len(moments) for op in moments[t]) for t in range(length)
    ]


def alternating_layered(
    n: int,
    layers: int,
    block_size: int,
    block_depth: int = 1,
    rotations: Sequence[str] = ("ry", "rz"),
    qubits: Sequence[cirq.Qid] | None = None,
) -> cirq.Circuit:
    """Alternating layered ansatz (ALA) of Cerezo et al. [1]_.

    Layer ``l`` applies ``m = block_size``-qubit blocks on qubits ``[k m, (k+1) m)``
    (even ``l``) or shifted by ``m // 2`` (odd ``l``, open boundary: blocks that would
    cross the edge are omitted).  Each block is ``block_depth`` × (rotations on every
    qubit, CZ chain) and its operations carry the tag ``bpcalc.block=<layer>.<index>``.

    Raises
    ------
    ValueError : if ``block_size < 2``, ``block_size`` does not divide ``n``, or
        ``block_size = n`` with more than one layer (the shifted layers would be empty).
    """
    qs = resolve_qubits(n, qubits)
    layers = require_positive_int(layers, "layers")
    m = require_positive_int(block_size, "block_size", minimum=2)
    block_depth = require_positive_int(block_depth, "block_depth")
    rotations = _check_rotations(rotations)
    if len(qs) % m:
        raise ValueError(f"block_size {m} does not divide n = {len(qs)}")
    if layers > 1 and m == len(qs):
        raise ValueError(
            f"block_size {m} = n leaves the shifted (odd) layers of the alternating layered ansatz empty "
            f"(open boundary: no {m}-qubit block fits after a shift by {m // 2}); use layers=1, or "
            f"block_size <= n/2 = {len(qs) // 2}"
        )
    circuit = cirq.Circuit()
    for layer in range(layers):
        shift = 0 if layer % 2 == 0 else m // 2
        blocks = [qs[s : s + m] for s in range(shift, len(qs) - m + 1, m)]
        circuit += _layer_of_blocks(blocks, layer, block_depth, rotations)
    return circuit


def tensor_product(
    n: int,
    block_size: int,
    block_depth: int = 2,
    rotations: Sequence[str] = ("ry", "rz"),
    qubits: Sequence[cirq.Qid] | None = None,
) -> cirq.Circuit:
    """The seed paper's tensor-product QNN [2]_: one layer of disjoint ``block_size`` blocks.

    ``n = block_size · ξ``; block ``h`` acts on qubits ``[h s, (h+1) s)``.  A block of
    size 1 is a rotation sequence on one qubit.

    Raises
    ------
    ValueError : if ``block_size`` does not divide ``n``.
    """
    qs = resolve_qubits(n, qubits)
    s = require_positive_int(block_size, "block_size")
    block_depth = require_positive_int(block_depth, "block_depth")
    rotations = _check_rotations(rotations)
    if len(qs) % s:
        raise ValueError(f"block_size {s} does not divide n = {len(qs)}")
    blocks = [qs[i : i + s] for i in range(0, len(qs), s)]
    return cirq.Circuit(_layer_of_blocks(blocks, 0, block_depth, rotations))


def _conv_unitary(a: cirq.Qid, b: cirq.Qid, layer: int, index: int, prefix: str) -> list[cirq.Moment]:
    tag = block_tag(layer, index)
    s = lambda k: sympy.Symbol(f"theta_{layer}_{prefix}{index}_{k}")  # noqa: E731
    return [
        cirq.Moment(cirq.ry(s(0)).on(a).with_tags(tag), cirq.ry(s(1)).on(b).with_tags(tag)),
        cirq.Moment(cirq.CZ(a, b).with_tags(tag)),
        cirq.Moment(cirq.ry(s(2)).on(a).with_tags(tag), cirq.ry(s(3)).on(b).with_tags(tag)),
    ]


def qcnn(n: int, qubits: Sequence[cirq.Qid] | None = None) -> cirq.Circuit:
    """Quantum convolutional neural network (Cong et al.; Pesah et al.) [3]_.

    ``n`` must be a power of two.  Each level applies two-qubit convolution blocks
    (RY–CZ–RY) on even then odd neighbouring pairs of the active qubits, then a pooling
    block on each pair (RY(a) RY(b), CNOT(b→a), RY(a)) after which qubit ``b`` is dropped
    (traced out).  The last active qubit is ``qubits[0]``: measure the observable there.
    Symbols: ``theta_<level>_c<index>_<k>`` (convolution), ``theta_<level>_p<index>_<k>``
    (pooling).
    """
    qs = resolve_qubits(n, qubits)
    if len(qs) & (len(qs) - 1):
        raise ValueError(f"qcnn needs n to be a power of two, got n = {len(qs)}")
    circuit = cirq.Circuit()
    active = list(qs)
    level = 0
    while len(active) > 1:
        index = 0
        for start in (0, 1):
            pairs = [(active[i], active[i + 1]) for i in range(start, len(active) - 1, 2)]
            if not pairs:
                continue
            parts = []
            for a, b in pairs:
                parts.append(_conv_unitary(a, b, level, index, "c"))
                index += 1
            circuit += [cirq.Moment(op for p in parts for op in p[t]) for t in range(3)]
        moments: list[list[cirq.Operation]] = [[], [], []]
        kept = []
        for j in range(0, len(active), 2):
            a, b = active[j], active[j + 1]
            tag = block_tag(level, index)
            s = lambda k, j=j: sympy.Symbol(f"theta_{level}_p{j // 2}_{k}")  # noqa: E731
            moments[0] += [cirq.ry(s(0)).on(a).with_tags(tag), cirq.ry(s(1)).on(b).with_tags(tag)]
            moments[1] += [cirq.CNOT(b, a).with_tags(tag)]
            moments[2] += [cirq.ry(s(2)).on(a).with_tags(tag)]
            index += 1
            kept.append(a)
        circuit += [cirq.Moment(m) for m in moments]
        active = kept
        level += 1
    return circuit


ANSATZE = {
    "hea": hardware_efficient,
    "ala": alternating_layered,
    "tpa": tensor_product,
    "qcnn": qcnn,
}
"""The ansatz families by short name (like :data:`bpcalc.circuits.EMBEDDINGS`); build one
with :func:`make_ansatz`, resolve an alias with :func:`ansatz_key`."""

ANSATZ_ALIASES = {
    "tp": "tpa",
    "tensor_product": "tpa",
    "hardware_efficient": "hea",
    "alternating_layered": "ala",
}
"""Other accepted names of the :data:`ANSATZE` (``'tp'`` is the older short name of ``'tpa'``)."""

_DEFAULT_BLOCK_DEPTH = {"ala": 1, "tpa": 2}


def ansatz_key(name: str) -> str:
    """The canonical key in :data:`ANSATZE` of a name or alias (case-insensitive).

    Examples
    --------
    >>> ansatz_key("tp"), ansatz_key("HEA")
    ('tpa', 'hea')

    Raises
    ------
    ValueError : an unknown name (the message lists the accepted names).
    TypeError : ``name`` is not a string.
    """
    if not isinstance(name, str):
        raise TypeError(f"an ansatz name must be a string, got {type(name).__name__}")
    key = name.strip().lower().replace("-", "_")
    key = ANSATZ_ALIASES.get(key, key)
    if key not in ANSATZE:
        raise ValueError(f"unknown ansatz {name!r}; expected one of {sorted(ANSATZE)} "
                         f"(aliases: {', '.join(f'{a}={k}' for a, k in sorted(ANSATZ_ALIASES.items()))})")
    return key


def make_ansatz(
    name: str,
    n: int,
    layers: int = 1,
    block_size: int = 2,
    block_depth: int | None = None,
    rotations: Sequence[str] = ("ry", "rz"),
    entangler: str = "cz",
    topology: str = "chain",
    qubits: Sequence[cirq.Qid] | None = None,
) -> cirq.Circuit:
    """Build an ansatz of :data:`ANSATZE` by name (or alias) on ``n`` qubits.

    Parameters
    ----------
    name : ``'hea'``, ``'ala'``, ``'tpa'``, ``'qcnn'`` or an alias (:data:`ANSATZ_ALIASES`).
    n : number of qubits.
    layers : layers of ``hea`` / ``ala`` (``tpa`` and ``qcnn`` have none; ignored).
    block_size, block_depth : blocks of ``ala`` / ``tpa``; ``block_depth=None`` is the
        family's own default (``ala`` 1 [1]_, ``tpa`` 2 [2]_).
    rotations : single-qubit rotations per layer / block layer (``hea``, ``ala``, ``tpa``).
    entangler, topology : entangling layer of ``hea``.
    qubits : the qubits (default ``cirq.LineQubit.range(n)``).

    Examples
    --------
    >>> len(make_ansatz("tp", 4).all_qubits())
    4

    Raises
    ------
    ValueError : unknown name, or sizes the family refuses (see its builder).
    """
    key = ansatz_key(name)
    if key == "hea":
        return hardware_efficient(n, layers, rotations=rotations, entangler=entangler, topology=topology,
                                  qubits=qubits)
    if key == "qcnn":
        return qcnn(n, qubits=qubits)
    depth = _DEFAULT_BLOCK_DEPTH[key] if block_depth is None else block_depth
    if key == "ala":
        return alternating_layered(n, layers, block_size, depth, rotations=rotations, qubits=qubits)
    return tensor_product(n, block_size, depth, rotations=rotations, qubits=qubits)
