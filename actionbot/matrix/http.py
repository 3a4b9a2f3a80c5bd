"""Plain JSON calls to the client-server API, for the endpoints nio has no method for
(cross-signing uploads, the server's view of a device's keys).

Why not nio's ``_send``: it retries and maps responses to classes these endpoints do not
have. A call here is one request; what comes back is a value — the status and the JSON
object, or :class:`Unreachable` — never an exception (nothing is logged from the body).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from nio import AsyncClient

from actionbot.matrix.results import NETWORK_ERRORS

CALL_TIMEOUT = 30.0


@dataclass(frozen=True, kw_only=True)
class Answer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def errcode(self) -> str:
        code = self.body.get("errcode")
        return code if isinstance(code, str) else ""


@dataclass(frozen=True, kw_only=True)
class Unreachable:
    reason: str


async def call(
    client: AsyncClient, method: str, path: str, body: dict[str, Any] | None = None
) -> Answer | Unreachable:
    """One authenticated request to ``/_matrix/client/v3/<path>``."""
    headers = {"Authorization": f"Bearer {client.access_token}"}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body)
    try:
        resp = await asyncio.wait_for(
            client.send(method, f"/_matrix/client/v3/{path}", data, headers),
            timeout=CALL_TIMEOUT,
        )
        try:
            parsed = await resp.json(content_type=None)
        except ValueError:
            parsed = {}
        status = resp.status
        resp.release()
    except (TimeoutError, *NETWORK_ERRORS) as exc:
        return Unreachable(reason=type(exc).__name__)
    return Answer(status=status, body=parsed if isinstance(parsed, dict) else {})
