"""The LINE SDK's v3 API without its deprecated v2 package.

``import linebot.v3`` first runs ``linebot/__init__``, which imports the whole v2 SDK (its
clients, requests and hundreds of v2 models: ~20 MB resident and a few tenths of a second)
that haishin never uses. The v3 modules need only ``linebot.__about__`` from their parent,
so ``without_v2`` registers the bare package first; v3 imports then load nothing of v2.
"""

from __future__ import annotations

import importlib.util
import sys


def without_v2() -> None:
    """Register ``linebot`` as an empty package (its submodules import as usual), unless
    something imported it already."""
    if "linebot" in sys.modules:
        return
    spec = importlib.util.find_spec("linebot")
    if spec is None or spec.submodule_search_locations is None:
        return  # not installed: the imports that need it say so
    sys.modules["linebot"] = importlib.util.module_from_spec(spec)
