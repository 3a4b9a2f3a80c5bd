"""What the bot says on its own: greetings, decryption hints, uncounted poll answers,
and the calendar of anniversaries."""

from __future__ import annotations

from collections.abc import Sequence

from actionbot.core.calendar import Anniversary
from actionbot.render.pages import Page, next_page, no_such_page, page_of
from actionbot.render.reply import Reply, bold, code, error_reply, reply
from actionbot.render.voice import Voice

ANNIVERSARIES_PER_PAGE = 25


def greeting(voice: Voice, prefix: str, device_id: str, fingerprint: str) -> Reply:
    lines: list = [
        voice._("Hello! I help collectives coordinate synchronized action windows."),
        voice._(
            "Send {help} to see what I can do. A moderator can make this room a node with "
            "{register}.",
            help=code(f"{prefix}help"),
            register=code(f"{prefix}node register <name…> tz=<zone> lang=<code>"),
        ),
    ]
    if fingerprint:
        lines.append(
            voice._(
                "To verify me: device {device}, key {key}.",
                device=code(device_id),
                key=code(fingerprint),
            )
        )
    return reply(*lines)


def undecryptable(voice: Voice, prefix: str, device_id: str) -> Reply:
    return reply(
        voice._(
            "🔒 I couldn't decrypt this message: it was sent before I joined, or your client "
            "has not shared its keys with my device yet."
        ),
        voice._(
            "Please send it again. If this keeps happening, allow sending to unverified "
            "devices or verify my device {device}. {help} lists what I understand.",
            device=code(device_id),
            help=code(f"{prefix}help"),
        ),
    )


def poll_answer_not_counted(voice: Voice) -> Reply:
    return error_reply(voice._("That poll answer could not be counted."))


def poll_answer_moderators_only(voice: Voice) -> Reply:
    return error_reply(voice._("Only room moderators' answers count as this node's vote."))


def anniversaries(voice: Voice, entries: Sequence[Anniversary], number: int, prefix: str) -> Reply:
    """One page of the calendar, in date order, each day spelled out."""
    command = f"{prefix}anniversaries"
    page = page_of(entries, number, ANNIVERSARIES_PER_PAGE)
    if not isinstance(page, Page):
        return no_such_page(voice, page, command)
    lines: list = [
        bold(
            voice.s(
                voice._(
                    "Anniversaries, page {page} of {pages}",
                    page=page.number,
                    pages=page.count,
                )
            )
        )
    ]
    for entry in page.items:
        day = voice.day_month(entry.month, entry.day)
        since = f" ({entry.year})" if entry.year else ""
        lines.append(["• ", code(entry.id), f" — {day}: {entry.title}{since}"])
    if not page.last:
        lines.append(next_page(voice, page, command))
    lines.append(
        voice._(
            "Propose a window on an anniversary: {command}",
            command=code(f"{prefix}window propose anniversary <id> at 12:00 local; <title>"),
        )
    )
    return reply(*lines)


def not_delivered_in_time(voice: Voice, node: str | None) -> Reply:
    """For the coordination room: an outage kept messages back until they were of no use
    (a reminder past its window), so they were not sent. One such notice a minute."""
    lines: list = [
        voice._(
            "The homeserver could not be reached for a while, so messages that were no longer "
            "useful (reminders for windows already over, late answers) were not sent."
        )
    ]
    if node is not None:
        lines.append(voice._("Among them: a message for node {node}.", node=bold(node)))
    lines.append(
        voice._("The operator can count them with {command}.", command=code("actionbot status"))
    )
    return reply(*lines)


def delivery_failed(
    voice: Voice, attempts: int, key: str, reason: str, node: str | None = None
) -> Reply:
    """For the coordination room: a message the outbox gave up on (never silently), naming
    the node it was for when it was for a node."""
    if node is not None:
        return reply(
            voice.ngettext(
                "A message for node {node} could not be delivered after {count} attempt: "
                "{key} — {reason}. Check that the bot is still in that room.",
                "A message for node {node} could not be delivered after {count} attempts: "
                "{key} — {reason}. Check that the bot is still in that room.",
                attempts,
                node=bold(node),
                key=code(key),
                reason=reason,
            )
        )
    return reply(
        voice.ngettext(
            "Delivery failed after {count} attempt: {key} — {reason}. Check that the bot is "
            "still in that room.",
            "Delivery failed after {count} attempts: {key} — {reason}. Check that the bot is "
            "still in that room.",
            attempts,
            key=code(key),
            reason=reason,
        )
    )


def identity_replaced(voice: Voice, master: str) -> Reply:
    """For the coordination room: the bot account's cross-signing identity was not the one
    the bot keeps, so it made a new one — people's clients will say the identity changed."""
    return reply(
        voice._(
            "🔑 The cross-signing identity on my account was not mine (someone reset it from a "
            "client, or my database is from another time), so I made a new one: master key {key}.",
            key=code(master),
        ),
        voice._(
            "Your client may say my identity changed: verify the bot user again. If no one here "
            "reset it, someone else may have the bot's password: the operator should change it."
        ),
    )


def device_replaced(
    voice: Voice, *, old_device: str, new_device: str, fingerprint: str, old_deleted: bool
) -> Reply:
    """For the coordination room: the bot's encryption keys were lost and it now speaks from
    a new device, so people know why their client shows a new device and what to resend."""
    lines: list = [
        voice._(
            "🔑 My encryption keys were lost or no longer matched the homeserver's, so I now "
            "use a new device: {device}, key {key}.",
            device=code(new_device),
            key=code(fingerprint),
        )
    ]
    if old_deleted:
        lines.append(voice._("The old device {device} is deleted.", device=code(old_device)))
    else:
        lines.append(
            voice._(
                "The old device {device} could not be deleted: the operator should remove it.",
                device=code(old_device),
            )
        )
    lines.append(
        voice._(
            "Messages encrypted only for the old device are lost to me: please send again "
            "any command I did not answer. If your client shows the new device as unverified, "
            "verify it."
        )
    )
    return reply(*lines)
