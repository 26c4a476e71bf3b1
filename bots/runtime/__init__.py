"""What ``haishin serve`` runs besides the web app: delivery workers, the scheduler, the
content watcher, and the wiring they share with the delivery commands of the CLI."""

from bots.runtime.components import COMPONENTS, Component, ComponentFactory
from bots.runtime.delivery import DeliveryKit, build_delivery
from bots.runtime.stats_upkeep import StatsUpkeep  # registers the reading stats' upkeep

__all__ = [
    "COMPONENTS",
    "Component",
    "ComponentFactory",
    "DeliveryKit",
    "StatsUpkeep",
    "build_delivery",
]
