"""Every registered bound refuses inputs outside their declared meaning (issue 13, item 7).

``Bound.evaluate(n=-4)``, ``D_HS=-1`` or ``s=3, n=4`` used to return numbers (a negative
"exact variance").  Each input is now checked against its symbol's declared domain (sympy
assumptions ``integer`` / ``positive`` / ``nonnegative``, ``Bound.domains`` for per-datapoint
inputs) and the relations of ``Bound.constraints``; the message names the input.
"""

from __future__ import annotations

import pytest
import sympy

from bpcalc.bounds import list_theorems

_GOOD_SCALARS = {"n": 4, "s": 2, "m": 2, "L": 3, "l": 2, "N": 3, "n_v": 2, "w": 2, "xi": 2, "k": 0, "r": 2,
                 "q": 0.25, "p_min": 0.5, "c_k": 1.0, "mu": 0.1, "T": 2, "M": 3, "ell": 2, "b_k": 1, "m_j": 2}
_GOOD_LISTS = {"dim_g": 3, "N_mid": 1, "N_first": 1}

ALL_BOUNDS = [(t.key, b) for t in list_theorems() for b in t.bounds]


def _good(bound) -> dict:
    indexed = {str(x.label) for x in bound.expr.atoms(sympy.IndexedBase)}
    length = 3 if "N" in bound.inputs else 2 if "T" not in bound.inputs else _GOOD_SCALARS["T"]
    out = {}
    for name in bound.inputs:
        if name in indexed:
            out[name] = [_GOOD_LISTS.get(name, 0.25)] * length
        else:
            out[name] = _GOOD_SCALARS.get(name, 0.25)
    return out


def _domain(bound, name: str) -> dict:
    symbol = next(s for s in bound.expr.free_symbols if isinstance(s, sympy.Symbol) and s.name == name)
    return symbol.assumptions0


def test_every_theorem_is_covered():
    assert len({k for k, _ in ALL_BOUNDS}) == len(list_theorems()) >= 20


@pytest.mark.parametrize("key,bound", ALL_BOUNDS, ids=[f"{k}:{b.name}" for k, b in ALL_BOUNDS])
def test_good_inputs_accepted_bad_inputs_refused(key, bound):
    good = _good(bound)
    value = bound.evaluate(good)
    assert value.sign >= 0 or bound.kind == "lower", (key, bound.name, value)
    indexed = {str(x.label) for x in bound.expr.atoms(sympy.IndexedBase)}
    refused = 0
    for name in bound.inputs:
        if name in indexed:
            dom = bound.domains.get(name, "real")
            if dom == "real":
                continue
            bad = dict(good, **{name: [good[name][0], -1.0]})
            with pytest.raises(ValueError, match=rf"{name}\[2\] = -1"):
                bound.evaluate(bad)
            refused += 1
            continue
        a = _domain(bound, name)
        bads = []
        if a.get("integer"):
            bads.append(2.5)
        if a.get("positive"):
            bads += [0, -4]
        elif a.get("nonnegative"):
            bads.append(-1)
        for v in bads:
            with pytest.raises(ValueError, match=rf"input {name} = {v}"):
                bound.evaluate(dict(good, **{name: v}))
            refused += 1
    assert refused or set(bound.inputs) <= {"c_k", "mu"} | indexed, (key, bound.name)


def test_the_issue_examples_are_refused():
    from bpcalc.bounds import get_theorem

    two = get_theorem("mcclean2018.two_design").bound("variance")
    with pytest.raises(ValueError, match="input n = -4 is not positive"):
        two.evaluate(n=-4, Delta_O=1, Delta_rho=0.5)
    with pytest.raises(ValueError, match="Delta_rho"):
        two.evaluate(n=2, Delta_O=1, Delta_rho=0.9)  # Tr ρ² − 1/4 <= 3/4
    tp = get_theorem("thanasilp2021.tensor_product_variance")
    with pytest.raises(ValueError, match="input D_HS = -1 is negative"):
        tp.bound("local_cost").evaluate(n=4, s=2, D_HS=-1)
    with pytest.raises(ValueError, match="s divides n"):
        tp.bound("local_cost").evaluate(n=4, s=3, D_HS=0.5)
    with pytest.raises(ValueError, match="s divides n"):
        tp.bound("haar_data").evaluate(n=4, s=3)
    assert tp.bound("haar_data").evaluate(n=6, s=3).value > 0
    with pytest.raises(ValueError, match="q <"):
        get_theorem("wang2021.noise_induced").bound("variance").evaluate(n=2, L=2, q=1.5, omega_1=1, g_k=1)
    with pytest.raises(ValueError, match="l <= L"):
        get_theorem("cerezo2021.local_cost_lower").bound("local_cost_lower").evaluate(m=2, L=2, l=3, eps_sum=1)
