"""The platform-neutral command engine (see ``CommandEngine.answer``)."""

from core.commands.conversations import ConversationStore, InMemoryConversations
from core.commands.engine import CommandEngine
from core.commands.grammar import Intent, Kind, understand

__all__ = [
    "CommandEngine",
    "ConversationStore",
    "InMemoryConversations",
    "Intent",
    "Kind",
    "understand",
]
