"""The delivery ledger: every subscriber gets every issue they asked for, once.

- ``Publishing`` publishes issues and hands them to subscribers (makes ledger rows).
- ``Fanout`` plans what an issue becomes for a subscription (groups of units).
- ``DeliveryWorker`` claims rows and sends them through the platforms' ``Publisher``s,
  retrying with backoff, looking before resending anything that may have landed.
- The rules are here; the SQL is in ``core.storage``'s repositories (``DeliveryStores``
  gathers them): ``ClaimRepository``, ``DeliveryLedgerRepository``, ``LedgerWriter``,
  ``RevisionRepository``, ``GroupStartRepository``, ``VerificationRepository`` and
  ``HeartbeatRepository``, over the vocabulary of ``core.ledger``.
"""

from core.delivery.claims import lane_of
from core.delivery.control import pause, resume
from core.delivery.fanout import AudiencePlanner, Fanout, FanoutPlan, IssueCache, chosen_sections
from core.delivery.publishing import CATCH_UP, Handover, Publishing
from core.delivery.retry import RetryPolicy, stops_subscription
from core.delivery.sender import DeliveryObserver
from core.delivery.stores import DeliveryStores
from core.delivery.targets import Target
from core.delivery.worker import DeliveryWorker, WorkerSettings
from core.ledger import (
    STATES,
    AudienceChoice,
    BatchPlan,
    Delivery,
    Group,
    GroupPlan,
    State,
    publisher_unit,
)

__all__ = [
    "CATCH_UP",
    "STATES",
    "AudienceChoice",
    "AudiencePlanner",
    "BatchPlan",
    "Delivery",
    "DeliveryObserver",
    "DeliveryStores",
    "DeliveryWorker",
    "Fanout",
    "FanoutPlan",
    "Group",
    "GroupPlan",
    "Handover",
    "IssueCache",
    "Publishing",
    "RetryPolicy",
    "State",
    "Target",
    "WorkerSettings",
    "chosen_sections",
    "lane_of",
    "pause",
    "publisher_unit",
    "resume",
    "stops_subscription",
]
