"""Reading stats: what readers open, ask for and search, counted without knowing who.

``StatsRecorder`` counts (handlers call it), ``build_report`` reads the counts back for the
CLI and the console; storage is behind the ``StatsStore`` and ``StatsSource`` ports.
"""

from core.stats.model import ISSUE_WIDE, FollowerEvent, How, StatsBatch, normalize_query
from core.stats.ports import FollowerDay, MessageInsight, SearchLine, StatsSource, StatsStore
from core.stats.recorder import StatsObserver, StatsRecorder

__all__ = [
    "ISSUE_WIDE",
    "FollowerDay",
    "FollowerEvent",
    "How",
    "MessageInsight",
    "SearchLine",
    "StatsBatch",
    "StatsObserver",
    "StatsRecorder",
    "StatsSource",
    "StatsStore",
    "normalize_query",
]
