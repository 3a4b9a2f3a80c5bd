"""Route a message to its command handler; every path ends in a reply.

Handlers: guard → parse → decide → persist → reply. Unexpected exceptions are bugs:
they are logged (without the message text) and the person gets a short apology instead
of silence or a traceback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from actionbot.commands import (
    admission,
    calendar,
    gestures,
    move,
    node,
    reports,
    rotation,
    roundup,
    rsvp,
    settings,
    vote,
    window,
)
from actionbot.commands.context import CommandContext, Outcome, Services
from actionbot.commands.parse import parse_invocation
from actionbot.commands.registry import CommandSpec, Group, Match, find, specs_under
from actionbot.core.nodes import Standing
from actionbot.render import admission as nodes_text
from actionbot.render import help as text
from actionbot.render.nodes import language_list

log = logging.getLogger(__name__)

# Commands that show or change the network: answered only in admitted node rooms and the
# coordination room. Anywhere else, one neutral line that discloses nothing (not even
# whether a window id exists).
NETWORK_COMMANDS = frozenset(
    {
        ("nodes",),
        ("windows",),
        ("window", "propose"),
        ("window", "show"),
        ("window", "cancel"),
        ("window", "move"),
        ("window", "ics"),
        ("vote",),
        ("join",),
        ("leave",),
        ("gestures",),
        ("gesture", "show"),
        ("gesture", "adapt"),
        ("report",),
        ("rest",),
        ("node", "settings"),
    }
)


@dataclass(frozen=True)
class Commands:
    """The command table bound to the services it needs."""

    services: Services
    table: tuple[CommandSpec, ...]

    def _in_network(self, ctx: CommandContext) -> bool:
        if ctx.room_id == self.services.config.coordination_room:
            return True
        return ctx.node is not None and ctx.node.admitted

    def is_command(self, body: str, prefix: str) -> bool:
        return parse_invocation(body, prefix) is not None

    async def handle(self, ctx: CommandContext, body: str) -> Outcome | None:
        """The outcome for a message, or None when the message is not a command."""
        invocation = parse_invocation(body, ctx.prefix)
        if invocation is None:
            return None
        if invocation.too_long:
            return Outcome(reply=text.too_long(ctx.voice))
        found = find(self.table, invocation.words)
        if isinstance(found, Group):
            return Outcome(
                reply=text.subcommands(ctx.voice, found.word, found.paths, ctx.prefix, found.typed)
            )
        if not isinstance(found, Match):
            return Outcome(
                reply=text.unknown_command(ctx.voice, found.word, found.suggestions, ctx.prefix)
            )
        if found.spec.path in NETWORK_COMMANDS and not self._in_network(ctx):
            if ctx.node is not None and ctx.node.standing is Standing.REQUESTED:
                return Outcome(reply=nodes_text.waiting_for_admission(ctx.voice))
            return Outcome(reply=nodes_text.not_in_network(ctx.voice))
        try:
            return await found.spec.handler(ctx, self.services, found.args)
        except Exception:
            log.exception(
                "command failed", extra={"command": found.spec.name, "room_id": ctx.room_id}
            )
            return Outcome(reply=text.went_wrong(ctx.voice, found.spec.name, ctx.prefix))


def build_commands(services: Services) -> Commands:
    """The command table, in the order of :data:`actionbot.render.help.COMMANDS`. ``help``
    reads the same table it is part of."""
    table: list[CommandSpec] = []

    async def help_handler(ctx: CommandContext, _s: Services, args: tuple[str, ...]) -> Outcome:
        if not args:
            return Outcome(reply=text.overview(ctx.voice, ctx.prefix))
        specs = specs_under(table, args)
        if not specs:
            return Outcome(reply=text.no_such_help(ctx.voice, " ".join(args), ctx.prefix))
        paths = [s.path for s in specs]
        return Outcome(reply=text.detail(ctx.voice, paths, ctx.prefix, language_list()))

    handlers = {
        ("help",): help_handler,
        ("node", "register"): node.register,
        ("node", "admit"): admission.admit,
        ("node", "refuse"): admission.refuse,
        ("node", "leave"): admission.leave,
        ("node", "remove"): admission.remove,
        ("node", "vote"): admission.vote,
        ("node",): node.show,
        ("nodes",): node.list_all,
        ("coordinators",): admission.coordinators,
        ("rotation",): rotation.show,
        ("rotation", "set"): rotation.set_rota,
        ("rotation", "skip"): rotation.skip,
        ("rotation", "stop"): rotation.stop,
        ("window", "propose"): window.propose,
        ("window", "show"): window.show,
        ("window", "cancel"): window.cancel,
        ("window", "move"): move.move,
        ("window", "ics"): window.ics,
        ("windows",): window.list_windows,
        ("vote",): vote.vote,
        ("join",): rsvp.join,
        ("leave",): rsvp.leave,
        ("gestures",): gestures.list_gestures,
        ("gesture", "show"): gestures.show,
        ("gesture", "adapt"): gestures.adapt,
        ("gesture", "add"): gestures.add,
        ("report",): reports.report,
        ("roundup",): roundup.roundup,
        ("rest",): settings.rest,
        ("node", "settings"): settings.node_settings,
        ("moon",): calendar.moon,
        ("anniversaries",): calendar.anniversaries,
    }
    assert set(handlers) == set(text.COMMANDS), "every command has its help text"
    table.extend(CommandSpec(path=path, handler=handlers[path]) for path in text.COMMANDS)
    return Commands(services=services, table=tuple(table))
