"""One interface for every simulator (verify.backends)."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from bpcalc import circuits
from bpcalc.verify.backends import (
    AUTO_QSIM_QUBITS,
    CirqSimulator,
    DensityMatrix,
    OwnEngine,
    QSim,
    make_backend,
    noise_model,
    qsim_available,
)


def _problem():
    c = circuits.alternating_layered(4, 2, 2)  # carries bpcalc block tags
    obs = circuits.local_cost(cirq.LineQubit.range(4))
    return c, obs


def test_qsim_is_installed():
    """qsimcirq is a declared test dependency (extra 'fast', in 'all'): the agreement checks below
    include it unconditionally instead of silently leaving it out when it is missing."""
    assert qsim_available()


def test_all_backends_give_the_same_expectations():
    c, obs = _problem()
    backends = [OwnEngine(), CirqSimulator(), DensityMatrix(), QSim(cpu_threads=1)]
    prepared = [b.prepare(c, obs) for b in backends]
    vals = np.random.default_rng(0).uniform(0, 2 * np.pi, size=(3, len(prepared[0].symbols)))
    ref = prepared[1].expectation(vals)
    for p in prepared:
        assert p.symbols == prepared[0].symbols
        np.testing.assert_allclose(p.expectation(vals), ref, atol=2e-5)


def test_noisy_backends_agree():
    c, obs = _problem()
    noise = noise_model("depolarizing", 0.02)
    dm = DensityMatrix(noise=noise).prepare(c, obs)
    vals = np.random.default_rng(1).uniform(0, 2 * np.pi, size=(2, len(dm.symbols)))
    exact = dm.expectation(vals)
    clean = OwnEngine().prepare(c, obs).expectation(vals)
    assert np.max(np.abs(exact - clean)) > 1e-3
    traj = QSim(noise=noise, repetitions=400, seed=1, cpu_threads=1).prepare(c, obs).expectation(vals)
    # trajectories: standard error <= 0.5/sqrt(400) for this observable
    np.testing.assert_allclose(traj, exact, atol=0.05)


def test_make_backend_and_noise_models():
    assert make_backend("own").name == "own"
    assert make_backend("auto", n_qubits=4).name == "own"
    assert make_backend("auto", n_qubits=AUTO_QSIM_QUBITS).name == "qsim"
    assert make_backend("auto", noise=noise_model("bit_flip", 0.1)).name == "qsim"
    b = OwnEngine()
    assert make_backend(b) is b
    assert make_backend("density_matrix", noise=noise_model("amplitude_damping", 0.1)).noisy
    with pytest.raises(ValueError, match="unknown backend"):
        make_backend("gpu")
    with pytest.raises(ValueError, match="noiseless"):
        make_backend("own", noise=noise_model("depolarizing", 0.1))
    with pytest.raises(TypeError, match="NoiseModel"):
        make_backend("density_matrix", noise="loud")
    with pytest.raises(ValueError, match="unknown noise model"):
        noise_model("loud", 0.1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        noise_model("depolarizing", 2.0)


def test_prepare_validates():
    c, obs = _problem()
    with pytest.raises(TypeError, match="AbstractCircuit"):
        OwnEngine().prepare("c", obs)
    with pytest.raises(ValueError, match="measurements"):
        CirqSimulator().prepare(c + cirq.Circuit(cirq.measure(cirq.LineQubit(0))), obs)
    with pytest.raises(ValueError, match="not among"):
        OwnEngine().prepare(c, obs, symbols=[])
    p = CirqSimulator().prepare(c, obs)
    with pytest.raises(ValueError, match="shape"):
        p.expectation(np.zeros((1, 2)))
