"""``bpcalc docs``: regenerate the documentation pages derived from the code."""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    from ..docgen import find_docs_dir, stale_docs, write_docs

    if args.docs_dir is None:
        found = find_docs_dir()
        if found is None:
            raise ValueError("not inside a bpcalc checkout (no mkdocs.yml, docs/ and bpcalc pyproject.toml here or "
                             "above): pass --out DIR to write the generated pages elsewhere")
        args.docs_dir = str(found)
    if args.check:
        stale = stale_docs(args.docs_dir)
        if stale:
            print("out of date (run `bpcalc docs` to regenerate): " + ", ".join(stale), file=sys.stderr)
            return 1
        print("generated documentation pages are up to date")
        return 0
    changed = write_docs(args.docs_dir)
    for path in changed:
        print(f"wrote {path}")
    if not changed:
        print("generated documentation pages are up to date")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "docs",
        help="regenerate the theorem pages, CLI reference and API index under docs/",
        description="Regenerate docs/theorems/*.md (from the theorem registry), docs/cli.md and docs/api.md. "
        "Build the site with `python -m mkdocs build --strict`.",
    )
    p.add_argument("--out", "--docs-dir", dest="docs_dir", default=None, metavar="DIR",
                   help="documentation directory (default: docs/ of the bpcalc checkout containing the current "
                   "directory; refused outside a checkout)")
    p.add_argument("--check", action="store_true", help="only report pages that are out of date (exit 1 if any)")
    p.set_defaults(func=run)
