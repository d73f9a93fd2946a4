"""Packaging: import names bpcalc.circuits / bpcalc.bounds / bpcalc.verify from a built wheel.

The repository keeps the folders circuits/ bounds/ verify/; pyproject.toml maps them to the
``bpcalc.*`` import names. These tests build the wheel, install it (without dependencies) into a
fresh virtual environment and import from it with the checkout off ``sys.path``.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FOLDERS = {"circuits": "bpcalc.circuits", "bounds": "bpcalc.bounds", "verify": "bpcalc.verify"}


def _declared_packages() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return list(tomllib.load(fh)["tool"]["setuptools"]["packages"])


def test_every_subpackage_folder_is_declared():
    found = set()
    for folder, name in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((name, *rel)))
    assert sorted(found) == sorted(_declared_packages())


def test_wheel_installs_and_imports_in_a_fresh_venv(tmp_path):
    src = tmp_path / "src"  # build from a copy: setuptools writes build/ next to the sources
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    wheel_dir = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheel_dir), str(src)],
        check=True, capture_output=True, text=True,
    )
    (wheel,) = wheel_dir.glob("bpcalc-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", site, str(wheel)],
                   check=True, capture_output=True, text=True)
    # Dependencies (cirq, sympy, ...) come from this interpreter's site-packages, on PYTHONPATH so
    # that its .pth files (the editable install's finder) are NOT processed.
    env = dict(os.environ, PYTHONPATH=sysconfig.get_paths()["purelib"])
    code = (
        "import bpcalc.circuits, bpcalc.bounds, bpcalc.verify, bpcalc.verify.cli, sys;"
        "print(bpcalc.bounds.__file__);"
        "assert not {'circuits', 'bounds', 'verify'} & set(sys.modules), sorted(sys.modules)"
    )
    out = subprocess.run([str(py), "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith(site), out.stdout
    version = subprocess.run([str(py), "-m", "bpcalc.verify.cli", "--version"], cwd=tmp_path, env=env,
                             capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("bpcalc "), version.stderr


def test_no_module_imports_the_bare_top_level_names():
    """Inside the checkout the folders are importable as bare names; nothing may rely on that."""
    code = (
        "import bpcalc.circuits, bpcalc.bounds, bpcalc.verify.cli, bpcalc.verify.commands, sys;"
        "bad = {'circuits', 'bounds', 'verify'} & set(sys.modules); assert not bad, bad"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
