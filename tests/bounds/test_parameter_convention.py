"""One parameter-average convention everywhere (issue 13, items 3 and 4).

``rx(θ)`` with ``θ ~ U[0, 2π)`` and ``X**s`` with ``s ~ U[0, 2)`` are the same ensemble of
gates (``circuits.parameter_convention``).  Every engine that averages over parameters — the
exact second-moment channel of :mod:`bpcalc.bounds.designs`, the theorems built on it (McClean,
Holmes) — must give the same numbers for the two
spellings, and agree with an independent brute-force average.
"""

from __future__ import annotations

import math

import cirq
import numpy as np
import pytest
import sympy

from bpcalc import circuits
from bpcalc.bounds import get_theorem
from bpcalc.bounds.designs import second_moment_channel
from bpcalc.bounds.registry import Context
from bpcalc.bounds.theorems.holmes2022 import expressibility_epsilons

_POW = {cirq.Rx: cirq.X, cirq.Ry: cirq.Y, cirq.Rz: cirq.Z}


def _respell(circuit: cirq.Circuit) -> cirq.Circuit:
    """The same gates with ``rx(θ)`` written ``X**θ`` (θ then an exponent in half turns)."""
    moments = []
    for moment in circuit:
        ops = []
        for op in moment:
            if type(op.gate) in _POW and cirq.is_parameterized(op):
                (s,) = cirq.parameter_symbols(op)
                ops.append((_POW[type(op.gate)] ** s).on(*op.qubits))
            else:
                ops.append(op)
        moments.append(cirq.Moment(ops))
    return cirq.Circuit(moments)


def _models(n: int, layers: int) -> tuple[circuits.Model, circuits.Model, sympy.Symbol]:
    hea = circuits.hardware_efficient(n, layers)
    q = sorted(hea.all_qubits())
    obs = circuits.local_cost(q)
    syms = sorted(cirq.parameter_symbols(hea), key=str)
    return (circuits.Model(ansatz=hea, observable=obs), circuits.Model(ansatz=_respell(hea), observable=obs),
            syms[len(syms) // 2])


def test_convention_is_defined_once():
    rx = circuits.parameter_convention(1.0)
    xpow = circuits.parameter_convention(math.pi)
    assert rx.period == pytest.approx(2 * math.pi) and xpow.period == 2.0
    assert rx.frequency == xpow.frequency == 1.0
    assert circuits.parameter_convention(math.pi, "symbol").frequency == pytest.approx(math.pi)
    with pytest.raises(ValueError, match="exponent"):
        circuits.parameter_convention(math.pi, "refuse")
    with pytest.raises(ValueError, match="frequency 0.5"):
        circuits.parameter_convention(0.5)


def test_second_moment_channel_of_x_pow_gate_matches_brute_force_average():
    """E_{s~U[0,2)}[(X^s)^{⊗2} A (X^s)^{†⊗2}] by a fine Riemann sum (exact for trig polynomials)."""
    q = cirq.LineQubit.range(1)
    s = sympy.Symbol("s")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    brute = np.zeros((4, 4), complex)
    grid = 2.0 * np.arange(32) / 32  # s ~ U[0, 2): 32 points integrate harmonics < 32 exactly
    for t in grid:
        u = cirq.unitary(cirq.X**t)
        uu = np.kron(u, u)
        brute += uu @ x @ uu.conj().T / len(grid)
    got = second_moment_channel(cirq.Circuit((cirq.X**s).on(q[0])), q, x)
    assert np.allclose(got, brute, atol=1e-12)
    rx = second_moment_channel(cirq.Circuit(cirq.rx(s).on(q[0])), q, x)
    assert np.allclose(rx, brute, atol=1e-12)


@pytest.mark.parametrize("n,layers", [(2, 2), (3, 1)])
def test_designs_holmes_mcclean_agree_between_spellings(n, layers):
    m_rx, m_pow, theta = _models(n, layers)
    for key in ("mcclean2018.one_sided_two_design", "holmes2022.expressibility"):
        t = get_theorem(key)
        a = t.instantiate(Context(model=m_rx, parameter=theta), check=False)
        b = t.instantiate(Context(model=m_pow, parameter=theta), check=False)
        assert [v.name for v in a.values] == [v.name for v in b.values] and a.values
        for va, vb in zip(a.values, b.values):
            assert vb.value == pytest.approx(va.value, rel=1e-9, abs=1e-12), (key, va.name)


def test_mcclean_one_sided_value_for_x_pow_circuit():
    """The value of the issue: 0.00465 (X**s over s in [0, 2π)) -> 0.00463, the rx circuit's value,
    itself checked against a brute-force average in tests/bounds/test_mcclean2018.py."""
    m_rx, m_pow, theta = _models(3, 2)
    t = get_theorem("mcclean2018.one_sided_two_design")
    a = t.instantiate(Context(model=m_rx, parameter=theta), check=False).value("v_plus_exact").value
    b = t.instantiate(Context(model=m_pow, parameter=theta), check=False).value("v_plus_exact").value
    assert b == pytest.approx(a, rel=1e-10)


def test_sampled_holmes_epsilons_agree_between_spellings():
    """The Monte Carlo ε (n > 4) draws rx angles on [0, 2π) and X**s exponents on [0, 2)."""
    m_rx, m_pow, theta = _models(5, 1)
    kw = dict(n_samples=20)
    a = expressibility_epsilons(Context(model=m_rx, parameter=theta), rng=np.random.default_rng(1), **kw)
    b = expressibility_epsilons(Context(model=m_pow, parameter=theta), rng=np.random.default_rng(1), **kw)
    assert b["eps_L"] == pytest.approx(a["eps_L"], rel=1e-8) and b["eps_R"] == pytest.approx(a["eps_R"], rel=1e-8)
