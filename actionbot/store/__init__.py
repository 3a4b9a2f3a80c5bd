"""The only code that talks SQL: schema, migrations and one method per query."""

from actionbot.store.db import Database
from actionbot.store.events import EventLog
from actionbot.store.nodes import NameTaken, NodeStore
from actionbot.store.outbox import OutboxStore
from actionbot.store.session import SavedSession, SessionStore
from actionbot.store.windows import WindowStore

__all__ = [
    "Database",
    "EventLog",
    "NameTaken",
    "NodeStore",
    "OutboxStore",
    "SavedSession",
    "SessionStore",
    "WindowStore",
]
