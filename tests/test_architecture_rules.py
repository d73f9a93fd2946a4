"""Architecture rules (design.md): strict layering, no import cycles, no private cross-module imports.

The modules are read with ``ast`` (nothing is imported), so the test is fast and deterministic.
"""

from __future__ import annotations

import ast
import pathlib

import networkx as nx

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ("circuits", "bounds", "verify")
LAYER = {"circuits": 0, "bounds": 1, "verify": 2}


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return "bpcalc." + ".".join(parts)


def _modules() -> dict[str, pathlib.Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _resolve(module: str, is_package: bool, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _imports(modules: dict[str, pathlib.Path]):
    """Yield (importer, imported module, imported names, lineno, top_level) for bpcalc imports."""
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        is_pkg = path.name == "__init__.py"
        top = {id(n) for n in tree.body}
        type_checking = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                type_checking.update(id(n) for n in ast.walk(node))
        for node in ast.walk(tree):
            if id(node) in type_checking:
                continue
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("bpcalc."):
                        yield name, alias.name, [], node.lineno, id(node) in top
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(name, is_pkg, node.level, node.module)
                if not target.startswith("bpcalc."):
                    continue
                names = [a.name for a in node.names]
                # "from bpcalc.bounds import exact": a sub-module import, not a name
                subs = [n for n in names if f"{target}.{n}" in modules]
                if subs:
                    for s in subs:
                        yield name, f"{target}.{s}", [], node.lineno, id(node) in top
                    names = [n for n in names if n not in subs]
                if names or not subs:
                    yield name, target, names, node.lineno, id(node) in top


def test_layering_is_strict():
    bad = []
    for importer, target, _, line, _ in _imports(_modules()):
        low, high = importer.split(".")[1], target.split(".")[1]
        if LAYER[high] > LAYER[low]:
            bad.append(f"{importer}:{line} imports {target}")
    assert not bad, "upward imports (circuits <- bounds <- verify):\n" + "\n".join(bad)


def test_no_private_names_imported_from_another_module():
    bad = []
    for importer, target, names, line, _ in _imports(_modules()):
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        if private and target != importer:
            bad.append(f"{importer}:{line} imports {private} from {target}")
        # a private module (a.b._m) is private to its package a.b: only modules inside a.b use it
        parts = target.split(".")
        for i, part in enumerate(parts[2:], start=2):
            owner = ".".join(parts[:i])
            if part.startswith("_") and not part.startswith("__") and not importer.startswith(owner + "."):
                if importer != owner:
                    bad.append(f"{importer}:{line} imports private module {target}")
    assert not bad, "private cross-module imports:\n" + "\n".join(bad)


def test_no_import_cycles_between_modules():
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for importer, target, _, _, _ in _imports(modules):
        # function-level (lazy) imports count too: a lazy import that hides a cycle is still a cycle
        while target not in modules and "." in target:
            target = target.rsplit(".", 1)[0]
        if target in modules and target != importer and not importer.startswith(target + "."):
            # a package's __init__ importing its own sub-modules is the normal re-export pattern
            graph.add_edge(importer, target)
    cycles = [c for c in nx.simple_cycles(graph) if len(c) > 1]
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c + [c[0]]) for c in cycles[:20])
