"""The one scaling fit: no module but ``bounds/scaling.py`` fits a least-squares model.

Issue 14: three scaling fits gave three verdicts.  Every decay base, degree and standard error
in bounds and verify comes from :func:`bpcalc.bounds.scaling.fit_scaling`; this test walks the
source with ``ast`` and fails on a second least-squares fit (a library fitter, or normal
equations ``inv(A.T @ W A)`` / ``solve(A.T @ …)`` written by hand).
"""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ("circuits", "bounds", "verify")
THE_FIT = "bounds/scaling.py"
FITTERS = {"polyfit", "lstsq", "curve_fit", "linregress", "least_squares", "theilslopes", "siegelslopes",
           "OLS", "WLS", "GLS", "LinearRegression"}
# bounds/bound.py classifies a closed-form bound by *interpolating* it exactly at n = 10^4..10^7
# (a square 4x4 solve, no residuals): not a fit of data
INTERPOLATION = {("bounds/bound.py", "solve")}
FIT_NAMES = {"fit_scaling": {THE_FIT, "verify/fits.py"}}  # verify/fits.py: a relabelling wrapper of the one fit


def _sources():
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _has_transpose_product(node: ast.AST) -> bool:
    return any(isinstance(b, ast.BinOp) and isinstance(b.op, ast.MatMult)
               and isinstance(b.left, ast.Attribute) and b.left.attr == "T" for b in ast.walk(node))


def second_fits(sources) -> list[str]:
    found = []
    for rel, tree in sources:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _name(node.func)
                if rel == THE_FIT:
                    continue
                if name in FITTERS:
                    found.append(f"{rel}:{node.lineno} calls {name}")
                elif name in ("inv", "solve", "pinv") and (rel, name) not in INTERPOLATION and any(
                        _has_transpose_product(a) for a in node.args):
                    found.append(f"{rel}:{node.lineno} solves normal equations ({name}(A.T @ ...))")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in FIT_NAMES:
                if rel not in FIT_NAMES[node.name]:
                    found.append(f"{rel}:{node.lineno} defines another {node.name}")
    return found


def test_no_second_least_squares_fit():
    assert second_fits(_sources()) == []


def test_the_rule_catches_a_second_fit():
    """The walker sees each way a second fit has been written in this code base before."""
    samples = {
        "verify/demo.py": "import numpy as np\nb = 10 ** -np.polyfit(x, y, 1)[0]\n",
        "verify/check.py": "import numpy as np\ndef _wls(a, w):\n    return np.linalg.inv(a.T @ (w[:, None] * a))\n",
        "verify/architecture.py": "def fit_scaling(ns, values):\n    pass\n",
        "verify/x.py": "from scipy.stats import linregress\nlinregress(x, y)\n",
    }
    found = second_fits((rel, ast.parse(src)) for rel, src in samples.items())
    assert len(found) == 4, found
