"""What ``haishin serve`` runs besides the web app: background components and the content
watcher (delivery is built by ``bots.bootstrap.build_delivery``)."""

from bots.runtime.components import COMPONENTS, Component, ComponentFactory
from bots.runtime.stats_upkeep import StatsUpkeep  # registers the reading stats' upkeep

__all__ = [
    "COMPONENTS",
    "Component",
    "ComponentFactory",
    "StatsUpkeep",
]
