"""What ``haishin serve`` runs besides the web app: background components and the content
watcher (delivery is built by ``bots.bootstrap.build_delivery``)."""

from bots.runtime.components import COMPONENTS, Component, ComponentFactory, factories
from bots.runtime.stats_upkeep import StatsUpkeep

__all__ = [
    "COMPONENTS",
    "Component",
    "ComponentFactory",
    "StatsUpkeep",
    "factories",
]
