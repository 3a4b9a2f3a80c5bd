"""Gestures: the library as people read it, guidelines as node rooms receive them, and the
answers to ``!gestures``, ``!gesture show|add|adapt``.

A gesture's own text comes from its file (already in the reader's language when it has a
translation); everything around it — headings, notes, the RSVP line — is in the catalogs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from actionbot.core.gestures import Gesture, GestureError, GestureText, Problem
from actionbot.core.nodes import Node
from actionbot.core.windows import Window
from actionbot.render.languages import LANGUAGES
from actionbot.render.reply import Line, Reply, Span, bold, code, error_reply, italic, reply
from actionbot.render.voice import Voice


def language_names(gesture: Gesture) -> str:
    return ", ".join(code_ for code_ in gesture.languages)


def listing(voice: Voice, gestures: Sequence[Gesture], prefix: str) -> Reply:
    lines: list[Line | str] = [voice._("Gestures in the library:")]
    for gesture in sorted(gestures, key=lambda g: g.id):
        text, _translated = gesture.in_language(voice.language)
        lines.append(
            (
                Span("• "),
                code(gesture.id),
                Span(f" — {text.title} "),
                italic(f"({language_names(gesture)})"),
            )
        )
    lines.append(
        voice._(
            "Read one: {show}; use one: {propose}",
            show=code(f"{prefix}gesture show <id>"),
            propose=code(f"{prefix}window propose … gesture=<id>; …"),
        )
    )
    return reply(*lines)


def _heading(line: Line) -> Line:
    return tuple(Span(span.text, "b") for span in line)


def _body(voice: Voice, text: GestureText) -> list:
    """Title, summary, then each section that has items: a bold heading and its lines."""
    lines: list = [bold(text.title), text.summary]
    sections = (
        (voice._("Steps"), text.steps, True),
        (voice._("What you need"), text.materials, False),
        (voice._("Safety"), text.safety, False),
        (voice._("Accessibility"), text.accessibility, False),
    )
    for heading, items, numbered in sections:
        if items:
            lines.append(_heading(heading))
            lines.extend(
                f"{index}. {item}" if numbered else f"• {item}"
                for index, item in enumerate(items, start=1)
            )
    return lines


def _not_translated(voice: Voice, translated: bool) -> list[Line]:
    if translated:
        return []
    return [
        voice._(
            "(There is no translation in this room's language yet: this is the English text. "
            "A coordinator can add one with {command}.)",
            command=code("!gesture add"),
        )
    ]


def show(voice: Voice, gesture: Gesture, language: str) -> Reply:
    text, translated = gesture.in_language(language)
    lines = _body(voice, text)
    if language != "en":
        lines += _not_translated(voice, translated)
    lines.append(
        voice._(
            "Id {id}, version {rev}; languages: {languages}",
            id=code(gesture.id),
            rev=code(gesture.rev),
            languages=language_names(gesture),
        )
    )
    return reply(*lines)


def guideline(
    voice: Voice,
    *,
    gesture: Gesture,
    window: Window,
    node: Node,
    starts: datetime,
    adaptation: str | None,
    emoji: str,
    prefix: str,
) -> Reply:
    """What a node room receives when a window with a gesture is approved (and pinned)."""
    text, translated = gesture.in_language(node.language)
    lines: list = [
        voice._("Gesture for the window {title}", title=bold(window.title)),
        voice._("Starts here: {when}", when=voice.moment(starts, node.timezone)),
    ]
    lines += _body(voice, text)
    if node.language != "en":
        lines += _not_translated(voice, translated)
    if adaptation:
        lines.append(_heading(voice._("Our node's adaptation")))
        lines.append(adaptation)
    else:
        lines.append(
            voice._(
                "Your node can add its own way of doing it: {command}",
                command=code(f"{prefix}gesture adapt {window.id} <text>"),
            )
        )
    lines.append(
        voice._(
            "Taking part? React with {emoji} to this message, or send {command}.",
            emoji=emoji,
            command=code(f"{prefix}join {window.id}"),
        )
    )
    return reply(*lines)


# --- problems with a gesture file --------------------------------------------------------


def problem(voice: Voice, item: Problem) -> Line:
    where = code(item.where)
    whats = {
        "not-mapping": voice._("{where}: expected fields (name: value).", where=where),
        "unknown-field": voice._("{where}: this field is unknown.", where=where),
        "missing": voice._("{where}: missing or empty.", where=where),
        "bad-id": voice._(
            "{where}: use 2 to 40 lower-case letters, digits and dashes.", where=where
        ),
        "not-text": voice._("{where}: should be text.", where=where),
        "not-list": voice._("{where}: should be a list (lines starting with “- ”).", where=where),
        "item-count": voice._(
            "{where}: has {count} items; a list has 1 to 20 (tags: up to 12).",
            where=where,
            count=item.detail,
        ),
        "too-long": voice._(
            "{where}: too long ({size} characters).", where=where, size=item.detail
        ),
        "control-character": voice._(
            "{where}: contains invisible control characters; please remove them.", where=where
        ),
        "bad-tag": voice._("{where}: tags are lower-case words with dashes.", where=where),
        "unknown-language": voice._(
            "{where}: the bot does not speak this language; it speaks {languages}.",
            where=where,
            languages=", ".join(LANGUAGES),
        ),
        "repeated-language": voice._("{where}: this language is there twice.", where=where),
        "too-big": voice._(
            "The file is too big ({size}); a gesture file is at most 64 KB.", size=item.detail
        ),
        "not-utf8": voice._("The file is not UTF-8 text."),
        "not-yaml": voice._("The file is not valid YAML ({where}).", where=item.detail or "?"),
        "unsafe-tag": voice._(
            "The file uses YAML tags (“!!…”), which are not accepted: plain YAML only."
        ),
        "documents": voice._("The file must hold exactly one YAML document."),
    }
    return whats.get(item.what) or voice._("{where}: {problem}", where=where, problem=item.what)


def refused(voice: Voice, error: GestureError, prefix: str) -> Reply:
    shown = error.problems[:10]
    lines: list = [voice._("This gesture was not added; nothing was stored:")]
    lines += [(Span("• "), *problem(voice, item)) for item in shown]
    if len(error.problems) > len(shown):
        lines.append(voice._("… and {count} more.", count=len(error.problems) - len(shown)))
    lines.append(
        voice._(
            "See a complete example: {command}",
            command=code(f"{prefix}gesture show minute-of-silence"),
        )
    )
    return error_reply(*lines)


def added(voice: Voice, gesture: Gesture, replaced: bool) -> Reply:
    message = (
        voice._(
            "Gesture {id} replaced (version {rev}); windows that used the old version still "
            "show it.",
            id=code(gesture.id),
            rev=code(gesture.rev),
        )
        if replaced
        else voice._(
            "Gesture {id} added (version {rev}).", id=code(gesture.id), rev=code(gesture.rev)
        )
    )
    return reply(message, voice._("Languages: {languages}", languages=language_names(gesture)))


# --- answers and refusals -----------------------------------------------------------------


def unknown(voice: Voice, word: str, near: Sequence[str], prefix: str) -> Reply:
    lines: list = [voice._("There is no gesture “{word}” in the library.", word=word)]
    if near:
        lines.append(
            voice._("Did you mean {ids}?", ids=voice.s(voice.either([code(n) for n in near])))
        )
    lines.append(voice._("All gestures: {command}", command=code(f"{prefix}gestures")))
    return error_reply(*lines)


def unknown_language(voice: Voice, word: str) -> Reply:
    return error_reply(
        voice._(
            "“{word}” is not a language I speak; I speak {languages}.",
            word=word,
            languages=", ".join(LANGUAGES),
        )
    )


def show_usage(voice: Voice, prefix: str) -> Reply:
    return error_reply(
        voice._("Which gesture?"),
        voice._("Usage: {usage}", usage=code(f"{prefix}gesture show <id> [language]")),
        voice._("All gestures: {command}", command=code(f"{prefix}gestures")),
    )


def only_coordinators_add(voice: Voice) -> Reply:
    return error_reply(
        voice._(
            "Only coordinators can add gestures, in the coordination room (where others see it)."
        )
    )


def add_needs_file(voice: Voice, prefix: str) -> Reply:
    return error_reply(
        voice._(
            "Send the gesture as a YAML file, then answer that file with {command} (or write "
            "{command} as the file's caption).",
            command=code(f"{prefix}gesture add"),
        ),
        voice._(
            "A complete example: {command}", command=code(f"{prefix}gesture show minute-of-silence")
        ),
    )


def file_problem(voice: Voice, reason: str, prefix: str) -> Reply:
    if reason == "too-big":
        return error_reply(voice._("The file is too big; a gesture file is at most 64 KB."))
    if reason == "not-a-file":
        return add_needs_file(voice, prefix)
    return error_reply(voice._("I could not download that file. Please try again later."))


def adapt_not_here(voice: Voice) -> Reply:
    return error_reply(voice._("Adaptations are written in an admitted node room, for that node."))


def only_moderators_adapt(voice: Voice) -> Reply:
    return error_reply(voice._("Only this node room's moderators can write its adaptation."))


def adapt_usage(voice: Voice, prefix: str) -> Reply:
    return error_reply(
        voice._("Write the window id and how your node will do the gesture."),
        voice._("Usage: {usage}", usage=code(f"{prefix}gesture adapt <window-id> <text>")),
        voice._("Remove it: {command}", command=code(f"{prefix}gesture adapt <window-id> clear")),
    )


def adapt_closed(voice: Voice, window: Window) -> Reply:
    return error_reply(
        voice._("Window {id} is no longer open: it cannot be adapted.", id=code(window.id))
    )


def adapt_no_gesture(voice: Voice, window: Window, prefix: str) -> Reply:
    return error_reply(
        voice._("Window {id} has no gesture to adapt.", id=code(window.id)),
        voice._("The gestures: {command}", command=code(f"{prefix}gestures")),
    )


def adapt_control(voice: Voice) -> Reply:
    return error_reply(
        voice._("The text contains invisible control characters; please remove them.")
    )


def adapt_too_long(voice: Voice, size: int, limit: int) -> Reply:
    return error_reply(
        voice._(
            "That is {size} characters; an adaptation has at most {limit}.", size=size, limit=limit
        )
    )


def adapted(voice: Voice, window: Window, adaptation: str | None, sent: bool) -> Reply:
    if adaptation is None:
        first = voice._("This node's adaptation for {id} is removed.", id=code(window.id))
    else:
        first = voice._("This node's adaptation for {id} is saved.", id=code(window.id))
    if sent:
        return reply(first, voice._("The guideline in this room is updated."))
    return reply(
        first, voice._("It will be shown under the guideline when the window is approved.")
    )


def adaptations_by_node(voice: Voice, nodes: Sequence[Node], adaptations: dict[str, str]) -> list:
    """For coordinators: each node's adaptation, by node name."""
    lines: list = [_heading(voice._("Adaptations, by node:"))]
    for node in sorted(nodes, key=lambda n: n.name):
        if node.id in adaptations:
            lines.append((Span("• "), bold(node.name), Span(f": {adaptations[node.id]}")))
    return lines
