"""Full author names of the papers the theorem registry cites, keyed by arXiv identifier.

:class:`bpcalc.bounds.bound.Citation` keeps the surnames it is written with (``authors``, for
short citations such as "McClean et al. 2018") and takes its full author list from here when
none is given (``full_authors``), so that every BibTeX entry carries full names.  A new
theorem module citing a new paper adds its authors here (``tests/bounds/test_citations.py``
fails for a registered theorem without them).

The names are spelled as on each paper's arXiv listing.

References
----------
.. [1] The arXiv abstract pages ``https://arxiv.org/abs/<identifier>`` of each entry.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

__all__ = ["FULL_AUTHORS", "full_authors"]

FULL_AUTHORS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "1803.11173": ("Jarrod R. McClean", "Sergio Boixo", "Vadim N. Smelyanskiy", "Ryan Babbush", "Hartmut Neven"),
    "2001.00550": ("M. Cerezo", "Akira Sone", "Tyler Volkoff", "Lukasz Cincio", "Patrick J. Coles"),
    "2007.14384": ("Samson Wang", "Enrico Fontana", "M. Cerezo", "Kunal Sharma", "Akira Sone", "Lukasz Cincio",
                   "Patrick J. Coles"),
    "2010.15968": ("Carlos Ortiz Marrero", "Mária Kieferová", "Nathan Wiebe"),
    "2011.02966": ("Arthur Pesah", "M. Cerezo", "Samson Wang", "Tyler Volkoff", "Andrew T. Sornborger",
                   "Patrick J. Coles"),
    "2011.10530": ("Alexey Uvarov", "Jacob D. Biamonte"),
    "2101.02138": ("Zoë Holmes", "Kunal Sharma", "M. Cerezo", "Patrick J. Coles"),
    "2104.05868": ("Andrew Arrasmith", "Zoë Holmes", "M. Cerezo", "Patrick J. Coles"),
    "2105.14377": ("Martin Larocca", "Piotr Czarnik", "Kunal Sharma", "Gopikrishnan Muraleedharan",
                   "Patrick J. Coles", "M. Cerezo"),
    "2110.14753": ("Supanut Thanasilp", "Samson Wang", "Nhat A. Nghiem", "Patrick J. Coles", "M. Cerezo"),
    "2208.11060": ("Supanut Thanasilp", "Samson Wang", "M. Cerezo", "Zoë Holmes"),
    "2309.09342": ("Michael Ragone", "Bojko N. Bakalov", "Frédéric Sauvage", "Alexander F. Kemper",
                   "Carlos Ortiz Marrero", "Martín Larocca", "M. Cerezo"),
    "2309.12681": ("Alistair Letcher", "Stefan Woerner", "Christa Zoufal"),
    "2310.08405": ("Marco Schumann", "Frank K. Wilhelm", "Alessandro Ciani"),
    "2402.08721": ("Phattharaporn Singkanipa", "Daniel A. Lidar"),
    "2403.13927": ("Antonio Anna Mele", "Armando Angrisani", "Soumik Ghosh", "Sumeet Khatri", "Jens Eisert",
                   "Daniel Stilck França", "Yihui Quek"),
    "2311.10822": ("Alice Barthe", "Adrián Pérez-Salinas"),
    "2203.06174": ("John Napp",),
    "2407.07754": ("Thomas Schuster", "Jonas Haferkamp", "Hsin-Yuan Huang"),
})
"""arXiv identifier -> full author names, in the paper's order."""


def full_authors(arxiv: str, surnames: tuple[str, ...]) -> tuple[str, ...]:
    """The full names of the paper ``arxiv`` when they match ``surnames`` one by one, else ``()``.

    Examples
    --------
    >>> full_authors("2011.10530", ("Uvarov", "Biamonte"))
    ('Alexey Uvarov', 'Jacob D. Biamonte')
    >>> full_authors("2011.10530", ("Someone",))
    ()
    """
    names = FULL_AUTHORS.get(str(arxiv).strip(), ())
    if len(names) != len(surnames) or not all(matches(f, s) for f, s in zip(names, surnames)):
        return ()
    return names


def matches(full_name: str, surname: str) -> bool:
    """Whether ``full_name`` ends with ``surname`` (``"Carlos Ortiz Marrero"``, ``"Ortiz Marrero"``)."""
    f, s = " ".join(full_name.split()), " ".join(surname.split())
    return bool(s) and (f == s or f.endswith(" " + s))
