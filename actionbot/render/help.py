"""``!help``, the texts of every command, and the answers to what is not a command.

The command words and their syntax stay as written (``!window propose <when>; <title>``):
they are what people type, in every language. What they do is explained in the room's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from actionbot.render.reply import Reply, Span, bold, code, error_reply, reply
from actionbot.render.voice import Voice
from actionbot.render.words import N_


@dataclass(frozen=True, kw_only=True)
class HelpText:
    usage: str  # without the prefix
    summary: str  # a msgid
    examples: tuple[str, ...]  # whole commands, without the prefix, ready to send
    details: str = ""  # a msgid


# In the order !help lists them.
COMMANDS: dict[tuple[str, ...], HelpText] = {
    ("help",): HelpText(
        usage="help [command]",
        # Translators: command summaries follow the command's syntax after a dash: keep them short, lower-case.
        summary=N_("list the commands, or explain one"),
        examples=("help node register",),
    ),
    ("node", "register"): HelpText(
        usage="node register <name…> [tz=<zone or city>] [lang=<code>]",
        summary=N_("ask for this room to join the network as a node (moderators only)"),
        details=N_(
            "The network's coordinators admit or refuse the request. Sending it again updates "
            "the name, time zone or language. Without tz= or lang= the bot's defaults are "
            "used. Languages: {languages}."
        ),
        examples=(
            "node register Kyiv Collective tz=Europe/Kyiv lang=uk",
            "node register Solidarity SP tz=sao_paulo lang=pt",
        ),
    ),
    ("node", "admit"): HelpText(
        usage="node admit <id>",
        summary=N_("admit a room that asked to join (coordinators, in the coordination room)"),
        examples=("node admit k3f9q",),
    ),
    ("node", "refuse"): HelpText(
        usage="node refuse <id> [reason…]",
        summary=N_("refuse a room that asked to join; the room is told the reason"),
        examples=("node refuse k3f9q we do not know this group",),
    ),
    ("node", "vote"): HelpText(
        usage="node vote <id> yes|stand-aside|no|block",
        summary=N_("your node's vote on a room that asks to join (when the nodes decide)"),
        examples=("node vote k3f9q yes",),
    ),
    ("node", "leave"): HelpText(
        usage="node leave",
        summary=N_("take this room out of the network (moderators only)"),
        examples=("node leave",),
    ),
    ("node", "remove"): HelpText(
        usage="node remove <id> [reason…]",
        summary=N_("remove a node from the network; the bot leaves its room (coordinators)"),
        examples=("node remove k3f9q it was taken over",),
    ),
    ("node",): HelpText(usage="node", summary=N_("show this room's node"), examples=("node",)),
    ("nodes",): HelpText(
        usage="nodes [page]",
        summary=N_("list all nodes of the network (names, zones, languages, servers)"),
        examples=("nodes", "nodes 2"),
    ),
    ("coordinators",): HelpText(
        usage="coordinators",
        summary=N_("who may admit and remove nodes (in the coordination room only)"),
        examples=("coordinators",),
    ),
    ("rotation",): HelpText(
        usage="rotation",
        summary=N_("this room's rotas: who holds each duty, and who is next"),
        examples=("rotation",),
    ),
    ("rotation", "set"): HelpText(
        usage="rotation set <duty> @person @person … every <7d|full moon|new moon> [power=50]",
        summary=N_("pass a duty from person to person (moderators; coordinators there)"),
        details=N_(
            "At each hand-over the room is told who takes over; the next person is reminded "
            "a day before. With power=50 the person on duty gets that power level here while "
            "it lasts (never lowering anyone, never a room creator). People who leave the room "
            "are skipped."
        ),
        examples=("rotation set security @ana:example.org @ben:example.org every 7d",),
    ),
    ("rotation", "skip"): HelpText(
        usage="rotation skip <duty>",
        summary=N_("hand a duty over to the next person now"),
        examples=("rotation skip security",),
    ),
    ("rotation", "stop"): HelpText(
        usage="rotation stop <duty>",
        summary=N_("end a rota (the holder gets back their former power level)"),
        examples=("rotation stop security",),
    ),
    ("window", "propose"): HelpText(
        usage="window propose <when> [for <duration>] [every year|every <phase>] "
        "[gesture=<id>]; <title>",
        summary=N_("propose an action window to the network"),
        details=N_(
            "<when> is a date and time (2027-03-08 18:00, 2027-03-08 18:00 UTC, "
            "2027-03-08 18:00 Europe/Kyiv, 2027-03-08T16:00Z), a moon phase (next full moon, "
            "new moon after 2027-02-01) or a day (anniversary <id> [year], on 9 november), "
            "optionally followed by “at HH:MM local|UTC|<zone>”. “local” means the same clock "
            "time in every node (a wave); anything else is one instant everywhere. Times "
            "without a zone are in this node's zone. Only the first line of the message counts."
        ),
        examples=(
            "window propose next full moon at 20:00 local for 30m; Lights for the disappeared",
            "window propose on 8 march at 18:00 UTC for 1m; Minute of silence",
            "window propose anniversary cable-street at 12:00 local every year; They shall "
            "not pass",
        ),
    ),
    ("window", "show"): HelpText(
        usage="window show <id>",
        summary=N_("everything about one window, with each node's local start"),
        examples=("window show k3f9q",),
    ),
    ("window", "cancel"): HelpText(
        usage="window cancel <id>",
        summary=N_("cancel a window (its proposer or coordinators); every node is told"),
        examples=("window cancel k3f9q",),
    ),
    ("window", "move"): HelpText(
        usage="window move <id> <when> [for <duration>] [; <new title>]",
        summary=N_("move a window to another time (its proposer or coordinators)"),
        details=N_(
            "The moved window is a new window with a new id: every node is told, earlier "
            "votes no longer count and the network decides again."
        ),
        examples=("window move k3f9q next new moon at 20:00 local",),
    ),
    ("window", "ics"): HelpText(
        usage="window ics <id>",
        summary=N_("get a calendar (.ics) file for a window"),
        examples=("window ics k3f9q",),
    ),
    ("windows",): HelpText(
        usage="windows [page]",
        summary=N_("upcoming windows, in this node's local time, with countdowns"),
        examples=("windows", "windows 2"),
    ),
    ("vote",): HelpText(
        usage="vote <id> yes|stand-aside|no|block",
        summary=N_("your node's vote on a proposed window (one voice per node)"),
        details=N_(
            "“stand-aside” means: we disagree but will not stop it. “no” and “block” stop "
            "consensus; “block” is a serious objection, a call to talk. A node may change its "
            "vote until the decision."
        ),
        examples=("vote k3f9q yes",),
    ),
    ("join",): HelpText(
        usage="join <window-id>",
        summary=N_("count yourself in for an approved window (only the number leaves this room)"),
        examples=("join k3f9q",),
    ),
    ("leave",): HelpText(
        usage="leave <window-id>",
        summary=N_("take back your “join” for a window"),
        examples=("leave k3f9q",),
    ),
    ("gestures",): HelpText(
        usage="gestures",
        summary=N_("the library of gestures: id, title, languages"),
        examples=("gestures",),
    ),
    ("gesture", "show"): HelpText(
        usage="gesture show <id> [language]",
        summary=N_("one gesture's guideline, in this room's language or another"),
        examples=("gesture show minute-of-silence", "gesture show light-vigil es"),
    ),
    ("gesture", "adapt"): HelpText(
        usage="gesture adapt <window-id> <text…>|clear",
        summary=N_("how this node will do a window's gesture (its moderators)"),
        details=N_(
            "Shown in this room under the shared guideline, and to coordinators per node. "
            "Only the first line of the message counts."
        ),
        examples=("gesture adapt k3f9q We light the candles on the steps of the library",),
    ),
    ("gesture", "add"): HelpText(
        usage="gesture add",
        summary=N_("add or replace a gesture from a YAML file (coordinators)"),
        details=N_(
            "Send the YAML file in the coordination room, then answer it with this command "
            "(or make it the file's caption). The file is checked whole; the old version "
            "stays for windows that used it."
        ),
        examples=("gesture add",),
    ),
    ("report",): HelpText(
        usage="report <window-id> [blur] [public|private] <text…>",
        summary=N_("a report on a window: words, or the window for a photo (answer the photo)"),
        details=N_(
            "During a window and for a while after it, photos posted here are reports: stored "
            "without any metadata, faces blurred with “blur” (or by this node's setting). "
            "“public” lets a photo appear in the public roundup page; otherwise coordinators "
            "only. Answer your own photo with “report withdraw” to take it back."
        ),
        examples=("report k3f9q We were 40, in the rain", "report withdraw"),
    ),
    ("roundup",): HelpText(
        usage="roundup <window-id> [keep]",
        summary=N_("the roundup of a window, with its photos (coordinators)"),
        details=N_(
            "Nodes with their local start, who took part, adaptations, reports and photos. "
            "“keep” keeps the window's photos beyond the retention time."
        ),
        examples=("roundup k3f9q", "roundup k3f9q keep"),
    ),
    ("rest",): HelpText(
        usage="rest",
        summary=N_("this node's upcoming decompression gatherings"),
        examples=("rest",),
    ),
    ("node", "settings"): HelpText(
        usage="node settings [blur=on|off] [consent=network|public] [rest=<days>d <HH:MM>|off]",
        summary=N_("this node's defaults for photos and rest after a window (moderators)"),
        examples=("node settings blur=on rest=1d 18:30",),
    ),
    ("moon",): HelpText(
        usage="moon [n]",
        summary=N_("the next n moon phases in this node's local time"),
        examples=("moon 6",),
    ),
    ("anniversaries",): HelpText(
        usage="anniversaries [page]",
        summary=N_("the calendar of anniversaries: id, date and title"),
        examples=("anniversaries", "anniversaries 2"),
    ),
}


def _summary_line(voice: Voice, text: HelpText, prefix: str) -> list[str | Span]:
    return ["• ", code(prefix + text.usage), " — ", *voice._(text.summary)]


def overview(voice: Voice, prefix: str) -> Reply:
    lines: list = [bold(voice.s(voice._("actionbot commands")))]
    for text in COMMANDS.values():
        lines.append(_summary_line(voice, text, prefix))
    lines.append(
        voice._(
            "Send {command} for details and an example.", command=code(f"{prefix}help <command>")
        )
    )
    return reply(*lines)


def detail(voice: Voice, paths: Sequence[tuple[str, ...]], prefix: str, languages: str) -> Reply:
    """Every command under the words asked about (``!help window``: all ``window …``)."""
    lines: list = []
    for path in paths:
        text = COMMANDS[path]
        lines.append([code(prefix + text.usage)])
        lines.append(voice._(text.summary))
        if text.details:
            lines.append(voice._(text.details, languages=languages))
        for example in text.examples:
            lines.append(voice._("Example: {command}", command=code(prefix + example)))
    return reply(*lines)


def no_such_help(voice: Voice, asked: str, prefix: str) -> Reply:
    return error_reply(
        voice._("There is no command {command}.", command=code(prefix + asked)),
        voice._("Send {command} to see all commands.", command=code(f"{prefix}help")),
    )


def unknown_command(voice: Voice, word: str, suggestions: Sequence[str], prefix: str) -> Reply:
    """``word`` is echoed as it was typed."""
    lines: list = [voice._("Unknown command {command}.", command=code(prefix + word))]
    if suggestions:
        lines.append(
            voice._(
                "Did you mean {commands}?",
                commands=voice.either([code(prefix + s) for s in suggestions]),
            )
        )
    lines.append(voice._("Send {command} to see what I understand.", command=code(f"{prefix}help")))
    return error_reply(*lines)


def subcommands(
    voice: Voice, group: str, paths: Sequence[tuple[str, ...]], prefix: str, typed: str
) -> Reply:
    """``!window`` alone or with a word it does not know: what ``!window`` can do."""
    if typed:
        head = voice._(
            "{group} does not know “{word}”. It can:", group=code(prefix + group), word=typed
        )
    else:
        head = voice._("{group} needs one more word. It can:", group=code(prefix + group))
    lines: list = [head]
    for path in paths:
        lines.append(_summary_line(voice, COMMANDS[path], prefix))
    return error_reply(*lines)


def too_long(voice: Voice) -> Reply:
    return error_reply(voice._("That command is too long for me to read."))


def went_wrong(voice: Voice, command: str, prefix: str) -> Reply:
    return error_reply(
        voice._(
            "Something went wrong while handling {command}. Nothing was changed; please try "
            "again later.",
            command=code(prefix + command),
        )
    )


def takes_no_arguments(voice: Voice, command: str, prefix: str) -> Reply:
    return error_reply(voice._("{command} takes no arguments.", command=code(prefix + command)))
