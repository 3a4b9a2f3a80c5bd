"""Matrix identifiers and the invite allow-list rule.

Rule: an invite is accepted only when the inviter's homeserver is on the allow-list.
The list holds exact server names (``example.org``, ``127.0.0.1:8448``) or ``*`` for any
server. An empty list means "the bot's own homeserver only" (resolved by the config).
"""

from __future__ import annotations

ANY_SERVER = "*"


def server_of(mxid: str) -> str:
    """The server name part of a user id (``@alice:example.org`` → ``example.org``).

    Server names may carry a port (``localhost:8448``), so split on the *first* colon.
    """
    _, sep, server = mxid.partition(":")
    return server if sep else ""


def is_user_id(text: str) -> bool:
    """True for a syntactically plausible Matrix user id (``@local:server``)."""
    local = text[1:].partition(":")[0]
    return text.startswith("@") and bool(local) and bool(server_of(text)) and len(text) <= 255


def invite_allowed(inviter: str, allowed_servers: tuple[str, ...]) -> bool:
    """Whether an invite from ``inviter`` may be accepted under ``allowed_servers``."""
    server = server_of(inviter).lower()
    if not server:
        return False
    return any(entry == ANY_SERVER or entry.lower() == server for entry in allowed_servers)
