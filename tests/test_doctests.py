"""Run the docstring examples of every library module (they are documentation that must stay true).

Every module of the three packages is collected (``verify`` includes ``bpcalc.verify.commands`` and
``bpcalc.verify.hardware``), and a second test checks that each ``>>>`` line in a module's source is an
example doctest actually finds, so an example placed where the finder cannot see it (a nested
function, a string that is not a docstring) fails instead of silently never running.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest

PACKAGES = ("bpcalc.circuits", "bpcalc.bounds", "bpcalc.verify")
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        pkg = importlib.import_module(package)
        names.append(package)
        for info in pkgutil.walk_packages(pkg.__path__, prefix=package + "."):
            names.append(info.name)
    return names


MODULES = _modules()


def test_every_package_is_collected():
    assert {"bpcalc.verify.sweep", "bpcalc.verify.stats", "bpcalc.verify.commands.exact", "bpcalc.verify.hardware.compile",
            "bpcalc.bounds.exact.pauli_paths", "bpcalc.circuits.ansatz"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=OPTIONS, verbose=False, report=True)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


@pytest.mark.parametrize("name", MODULES)
def test_every_example_is_found(name):
    module = importlib.import_module(name)
    in_source = sum(1 for line in inspect.getsource(module).splitlines() if line.lstrip().startswith(">>>"))
    found = sum(len(test.examples) for test in doctest.DocTestFinder().find(module))
    assert found == in_source, f"{name}: {in_source} '>>>' lines in the source, {found} examples doctest runs"
