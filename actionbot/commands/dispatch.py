"""Route a message to its command handler; every path ends in a reply.

Handlers: guard → parse → decide → persist → reply. Unexpected exceptions are bugs:
they are logged (without the message text) and the person gets a short apology instead
of silence or a traceback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from actionbot.commands import help as help_text
from actionbot.commands import node, window
from actionbot.commands.context import CommandContext, Outcome, Services
from actionbot.commands.parse import parse_invocation
from actionbot.commands.registry import CommandSpec, Match, find
from actionbot.render.reply import code, error_reply

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Commands:
    """The command table bound to the services it needs."""

    services: Services
    table: tuple[CommandSpec, ...]

    async def handle(self, ctx: CommandContext, body: str) -> Outcome | None:
        """The outcome for a message, or None when the message is not a command."""
        invocation = parse_invocation(body, ctx.prefix)
        if invocation is None:
            return None
        if invocation.too_long:
            return Outcome(reply=error_reply("That command is too long for me to read."))
        found = find(self.table, invocation.words)
        if not isinstance(found, Match):
            return Outcome(reply=help_text.unknown_command(found, ctx.prefix))
        try:
            return await found.spec.handler(ctx, self.services, found.args)
        except Exception:
            log.exception(
                "command failed", extra={"command": found.spec.name, "room_id": ctx.room_id}
            )
            return Outcome(
                reply=error_reply(
                    [
                        "Something went wrong while handling ",
                        code(ctx.prefix + found.spec.name),
                        ". Nothing was changed; please try again later.",
                    ],
                )
            )


def build_commands(services: Services) -> Commands:
    """The command table. ``help`` reads the same table it is part of."""
    table: list[CommandSpec] = []

    async def help_handler(ctx: CommandContext, _s: Services, args: tuple[str, ...]) -> Outcome:
        if not args:
            return Outcome(reply=help_text.overview(table, ctx.prefix))
        return Outcome(reply=help_text.detail(table, args, ctx.prefix))

    table.extend(
        [
            CommandSpec(
                path=("help",),
                usage="help [command]",
                summary="list the commands, or explain one",
                examples=("help node register",),
                handler=help_handler,
            ),
            CommandSpec(
                path=("node", "register"),
                usage="node register <name…> [tz=<IANA zone>] [lang=<code>]",
                summary="make this room a node of the network (moderators only)",
                details="Sending it again updates the name, time zone or language. "
                "Without tz= or lang= the bot's defaults are used.",
                examples=(
                    "node register Kyiv Collective tz=Europe/Kyiv lang=uk",
                    "node register Solidarity Lisboa tz=Europe/Lisbon lang=pt",
                ),
                handler=node.register,
            ),
            CommandSpec(
                path=("node",),
                usage="node",
                summary="show this room's node",
                examples=("node",),
                handler=node.show,
            ),
            CommandSpec(
                path=("nodes",),
                usage="nodes",
                summary="list all nodes of the network (names, zones, languages, servers)",
                examples=("nodes",),
                handler=node.list_all,
            ),
            CommandSpec(
                path=("window", "propose"),
                usage="window propose <when> [for <duration>] [every year|every <phase>] "
                "[gesture=<id>]; <title>",
                summary="propose an action window to the network",
                details="<when> is a date and time (2027-03-08 18:00, 2027-03-08 18:00 UTC, "
                "2027-03-08 18:00 Europe/Kyiv, 2027-03-08T16:00Z), a moon phase (next full "
                "moon, new moon after 2027-02-01) or a date (anniversary <id> [year], "
                "on MM-DD), optionally followed by `at HH:MM local|UTC|<zone>`. `local` "
                "means the same clock time in every node (a wave); anything else is one "
                "instant everywhere. Times without a zone are in this node's zone.",
                examples=(
                    "window propose next full moon at 20:00 local for 30m; Lights for the "
                    "disappeared",
                    "window propose 2027-03-08 18:00 UTC for 1m; Minute of silence",
                    "window propose anniversary cable-street at 12:00 local every year; "
                    "They shall not pass",
                ),
                handler=window.propose,
            ),
            CommandSpec(
                path=("window", "show"),
                usage="window show <id>",
                summary="everything about one window, with each node's local start",
                examples=("window show k3f9q",),
                handler=window.show,
            ),
            CommandSpec(
                path=("window", "cancel"),
                usage="window cancel <id>",
                summary="cancel a window (its proposer or coordinators); every node is told",
                examples=("window cancel k3f9q",),
                handler=window.cancel,
            ),
            CommandSpec(
                path=("window", "ics"),
                usage="window ics <id>",
                summary="get a calendar (.ics) file for a window",
                examples=("window ics k3f9q",),
                handler=window.ics,
            ),
            CommandSpec(
                path=("windows",),
                usage="windows",
                summary="upcoming windows, in this node's local time, with countdowns",
                examples=("windows",),
                handler=window.list_windows,
            ),
            CommandSpec(
                path=("vote",),
                usage="vote <id> yes|no|abstain|block",
                summary="your node's vote on a proposed window (one voice per node)",
                details="`block` is a serious objection: it stops consensus. A node may "
                "change its vote until the decision.",
                examples=("vote k3f9q yes",),
                handler=window.vote,
            ),
            CommandSpec(
                path=("moon",),
                usage="moon [n]",
                summary="the next n moon phases in this node's local time",
                examples=("moon 6",),
                handler=window.moon,
            ),
        ]
    )
    return Commands(services=services, table=tuple(table))
