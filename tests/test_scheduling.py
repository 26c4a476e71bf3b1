"""The suite's own scheduling (tests/scheduling.py) names modules that exist."""

from __future__ import annotations

from tests.conftest import ROOT
from tests.scheduling import LONGEST


def test_every_module_scheduled_first_exists_once() -> None:
    assert [path for path in LONGEST if not (ROOT / path).is_file()] == []
    assert len(set(LONGEST)) == len(LONGEST)
