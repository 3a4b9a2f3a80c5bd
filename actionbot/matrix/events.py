"""Turn a sync response into the few things the bot acts on.

Rules (one place, so they can be read and tested alone):
- the bot's own events are never acted on;
- in the batch in which the bot joins a room, events before its join are history, not
  commands for it, and are skipped — except undecryptable ones, so that someone who
  wrote just before inviting the bot gets a hint instead of silence (the caller still
  drops anything older than ``max_command_age``);
- only ``m.text`` messages can be commands (``m.notice`` is what bots send: ignoring it
  prevents bot loops);
- an encrypted event nio could not decrypt is surfaced as :class:`Undecryptable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from nio import (
    InviteMemberEvent,
    MegolmEvent,
    ReactionEvent,
    RedactionEvent,
    RoomEncryptedFile,
    RoomEncryptedImage,
    RoomMemberEvent,
    RoomMessageFile,
    RoomMessageImage,
    RoomMessageText,
    SyncResponse,
    UnknownEvent,
)

MEDIA_EVENTS = (RoomMessageImage, RoomMessageFile, RoomEncryptedImage, RoomEncryptedFile)


@dataclass(frozen=True, kw_only=True)
class Invite:
    room_id: str
    inviter: str


@dataclass(frozen=True, kw_only=True)
class TextMessage:
    room_id: str
    event_id: str
    sender: str
    body: str
    sent_at: datetime
    encrypted: bool
    # The event this one answers (a reply), or the file itself when the text is a file's
    # caption: ``!gesture add`` reads the YAML from there.
    reply_to: str | None = None


POLL_RESPONSE_TYPES = ("org.matrix.msc3381.poll.response", "m.poll.response")


@dataclass(frozen=True, kw_only=True)
class PollAnswer:
    """A poll response (stable or MSC3381 unstable form) to one of the bot's polls."""

    room_id: str
    event_id: str
    sender: str
    poll_event_id: str
    answers: tuple[str, ...]
    sent_at: datetime


def poll_answer(room_id: str, event: UnknownEvent) -> PollAnswer | None:
    # Untrusted input: every level may be missing or of the wrong type.
    content = event.source.get("content")
    content = content if isinstance(content, dict) else {}
    relation = content.get("m.relates_to")
    target = relation.get("event_id") if isinstance(relation, dict) else None
    unstable = content.get("org.matrix.msc3381.poll.response")
    stable = content.get("m.selections")
    if isinstance(stable, list):
        answers = stable
    elif isinstance(unstable, dict) and isinstance(unstable.get("answers"), list):
        answers = unstable["answers"]
    else:
        answers = None
    if not isinstance(target, str) or answers is None:
        return None
    return PollAnswer(
        room_id=room_id,
        event_id=event.event_id,
        sender=event.sender,
        poll_event_id=target,
        answers=tuple(str(a) for a in answers),
        sent_at=_when(event),
    )


@dataclass(frozen=True, kw_only=True)
class Undecryptable:
    room_id: str
    event_id: str
    sender: str
    session_id: str
    sent_at: datetime
    event: MegolmEvent
    before_join: bool = False  # history: may get a hint, but is never run as a command


@dataclass(frozen=True, kw_only=True)
class Media:
    """An image or file someone posted (plain or encrypted); photo reports will start here."""

    room_id: str
    event_id: str
    sender: str
    sent_at: datetime
    event: object  # the nio event, for the media handler to download and decrypt


@dataclass(frozen=True, kw_only=True)
class Reaction:
    """An emoji reaction (``m.annotation``) to an event: coordinators answer a request to
    join with ✅ or ❌."""

    room_id: str
    event_id: str
    sender: str
    reacts_to: str
    key: str
    sent_at: datetime


@dataclass(frozen=True, kw_only=True)
class Redaction:
    """Someone removed an event (a 🙋 reaction taken back undoes its RSVP)."""

    room_id: str
    event_id: str
    redacts: str
    sender: str = ""  # who redacted: only the person who reacted undoes their RSVP


@dataclass(frozen=True, kw_only=True)
class Tombstone:
    """``m.room.tombstone``: the room was upgraded and ``replacement`` succeeds it."""

    room_id: str
    event_id: str
    sender: str
    replacement: str
    sent_at: datetime


def tombstone(room_id: str, event: object) -> Tombstone | None:
    source = getattr(event, "source", None)
    if not isinstance(source, dict) or source.get("type") != "m.room.tombstone":
        return None
    if source.get("state_key") != "":
        return None
    content = source.get("content")
    replacement = content.get("replacement_room") if isinstance(content, dict) else None
    if not isinstance(replacement, str) or not replacement.startswith("!"):
        return None
    return Tombstone(
        room_id=room_id,
        event_id=str(source.get("event_id", "")),
        sender=str(source.get("sender", "")),
        replacement=replacement,
        sent_at=_when(event),
    )


Inbound = TextMessage | Undecryptable | PollAnswer | Media | Reaction | Tombstone | Redaction


def _content(event: object) -> dict:
    source = getattr(event, "source", None)
    content = source.get("content") if isinstance(source, dict) else None
    return content if isinstance(content, dict) else {}


def _reply_to(event: object) -> str | None:
    relates = _content(event).get("m.relates_to")
    reply = relates.get("m.in_reply_to") if isinstance(relates, dict) else None
    target = reply.get("event_id") if isinstance(reply, dict) else None
    return target if isinstance(target, str) else None


def _caption(event: object) -> str | None:
    """The caption of a file (``body`` differs from ``filename``, as clients send them), so
    a YAML file sent with ``!gesture add`` as its caption is a command about itself."""
    if not isinstance(event, (RoomMessageFile, RoomEncryptedFile)):
        return None
    content = _content(event)
    body, name = content.get("body"), content.get("filename")
    if isinstance(body, str) and isinstance(name, str) and body and body != name:
        return body
    return None


def _when(event: object) -> datetime:
    return datetime.fromtimestamp(getattr(event, "server_timestamp", 0) / 1000, UTC)


def invites(response: SyncResponse, me: str) -> list[Invite]:
    found = []
    for room_id, info in response.rooms.invite.items():
        inviter = ""
        for event in info.invite_state:
            if (
                isinstance(event, InviteMemberEvent)
                and event.state_key == me
                and event.membership == "invite"
            ):
                inviter = event.sender
        found.append(Invite(room_id=room_id, inviter=inviter))
    return found


def _is_own_join(event: object, me: str) -> bool:
    return (
        isinstance(event, RoomMemberEvent)
        and event.state_key == me
        and event.membership == "join"
        and event.prev_membership != "join"
    )


def timeline(response: SyncResponse, me: str) -> list[Inbound]:
    items: list[Inbound] = []
    for room_id, info in response.rooms.join.items():
        events = list(info.timeline.events)
        start = 0
        for index, event in enumerate(events):
            if _is_own_join(event, me):
                start = index + 1
        for index, event in enumerate(events):
            if getattr(event, "sender", me) == me:
                continue
            if isinstance(event, RoomMessageText) and index >= start:
                items.append(
                    TextMessage(
                        room_id=room_id,
                        event_id=event.event_id,
                        sender=event.sender,
                        body=event.body,
                        sent_at=_when(event),
                        encrypted=bool(getattr(event, "decrypted", False)),
                        reply_to=_reply_to(event),
                    )
                )
            elif (caption := _caption(event)) is not None and index >= start:
                items.append(
                    TextMessage(
                        room_id=room_id,
                        event_id=event.event_id,
                        sender=event.sender,
                        body=caption,
                        sent_at=_when(event),
                        encrypted=bool(getattr(event, "decrypted", False)),
                        reply_to=event.event_id,
                    )
                )
            elif (
                isinstance(event, UnknownEvent)
                and event.type in POLL_RESPONSE_TYPES
                and index >= start
            ):
                answer = poll_answer(room_id, event)
                if answer is not None:
                    items.append(answer)
            elif (
                isinstance(event, ReactionEvent)
                and index >= start
                and isinstance(event.reacts_to, str)
                and isinstance(event.key, str)
            ):
                items.append(
                    Reaction(
                        room_id=room_id,
                        event_id=event.event_id,
                        sender=event.sender,
                        reacts_to=event.reacts_to,
                        key=event.key,
                        sent_at=_when(event),
                    )
                )
            elif isinstance(event, RedactionEvent) and index >= start and event.redacts:
                items.append(
                    Redaction(
                        room_id=room_id,
                        event_id=event.event_id,
                        redacts=event.redacts,
                        sender=event.sender,
                    )
                )
            elif (found := tombstone(room_id, event)) is not None and index >= start:
                items.append(found)
            elif isinstance(event, MEDIA_EVENTS) and index >= start:
                items.append(
                    Media(
                        room_id=room_id,
                        event_id=event.event_id,
                        sender=event.sender,
                        sent_at=_when(event),
                        event=event,
                    )
                )
            elif isinstance(event, MegolmEvent):
                items.append(
                    Undecryptable(
                        room_id=room_id,
                        event_id=event.event_id,
                        sender=event.sender,
                        session_id=event.session_id,
                        sent_at=_when(event),
                        event=event,
                        before_join=index < start,
                    )
                )
    return items
