"""Full author names: every registered theorem's citation carries them, and BibTeX writes them."""

from __future__ import annotations

import pytest

from bpcalc.bounds.bound import Citation
from bpcalc.bounds.citations import FULL_AUTHORS
from bpcalc.bounds.registry import list_theorems
from bpcalc.verify.report import bibtex


def _citations():
    for th in list_theorems():
        yield th.key, th.citation
        for b in th.bounds:
            if b.citation is not None:
                yield f"{th.key}[{b.name}]", b.citation


@pytest.mark.parametrize("where, citation", list(_citations()))
def test_every_registered_citation_has_full_author_names(where, citation):
    assert citation.full_authors, (f"{where}: no full author names for arXiv:{citation.arxiv}; add them to "
                                   "bounds/citations.py FULL_AUTHORS")
    assert len(citation.full_authors) == len(citation.surnames)
    for full, surname in zip(citation.full_authors, citation.surnames):
        assert full.endswith(surname) and len(full) > len(surname), (full, surname)


def test_bibtex_writes_full_names_surname_first():
    text = bibtex([th.citation for th in list_theorems() if th.key.startswith("mcclean2018.")
                   and th.citation.arxiv == "1803.11173"][:1])
    assert "author        = {McClean, Jarrod R. and Boixo, Sergio and Smelyanskiy, Vadim N. and Babbush, Ryan " \
           "and Neven, Hartmut}" in text
    two_word = Citation(authors="Ortiz Marrero, Kieferová, Wiebe", title="Entanglement-induced barren plateaus",
                        arxiv="2010.15968", year=2021, locator="Theorem 1")
    assert "{Ortiz Marrero, Carlos and Kieferová, Mária and Wiebe, Nathan}" in bibtex([two_word])


def test_unlisted_paper_keeps_its_surnames_and_bad_full_names_are_refused():
    c = Citation(authors="A, B", title="T", arxiv="0000.00000", year=2020, locator="Eq. (1)")
    assert c.full_authors == () and "author        = {A and B}" in bibtex([c])
    # a listed arXiv id with other surnames (or "et al.") is not filled with the wrong people
    assert Citation(authors="Wang et al.", title="T", arxiv="2007.14384", year=2021, locator="x").full_authors == ()
    assert Citation(authors="Someone", title="T", arxiv="2011.10530", year=2021, locator="x").full_authors == ()
    given = Citation(authors="Doe, Roe", title="T", arxiv="1", year=2020, locator="x",
                     full_authors=("Jane Doe", "Richard Roe"))
    assert "{Doe, Jane and Roe, Richard}" in bibtex([given])
    with pytest.raises(ValueError, match="full_authors"):
        Citation(authors="Doe, Roe", title="T", arxiv="1", year=2020, locator="x", full_authors=("Jane Doe",))
    with pytest.raises(ValueError, match="full_authors"):
        Citation(authors="Doe, Roe", title="T", arxiv="1", year=2020, locator="x",
                 full_authors=("Jane Doe", "Richard Smith"))


def test_catalogue_names_are_clean():
    for arxiv, names in FULL_AUTHORS.items():
        assert names and all(n == " ".join(n.split()) and len(n.split()) >= 2 for n in names), arxiv
