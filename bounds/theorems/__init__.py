"""Published theorems, one module per paper.

Each module ``bounds/theorems/<paper>.py`` defines ``THEOREMS = (Theorem(...), ...)``; adding
a paper = creating that module and adding ONE import line below.  :func:`bpcalc.bounds.registry.default_registry`
collects ``THEOREMS`` from every sub-module imported here.
"""

from . import mcclean2018
from . import thanasilp2021
from . import cerezo2021
from . import wang2021
from . import holmes2022
from . import letcher2023
from . import ortiz_marrero2021
from . import thanasilp2022_kernels
from . import pesah2021
from . import ragone2023
from . import arrasmith2022
from . import larocca2022
from . import uvarov2021
from . import singkanipa2024
from . import mele2024
from . import barthe2023
from . import napp2022
from . import schuster2024
from . import schumann2023

__all__: list[str] = []
