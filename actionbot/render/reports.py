"""Reports: the answers a sender gets (in the node's language), and refusals."""

from __future__ import annotations

from collections.abc import Sequence

from actionbot.core.windows import Window
from actionbot.render.reply import Reply, bold, code, error_reply, reply
from actionbot.render.voice import Voice

USAGE = "report <window-id> [blur] [public|private] <text…>"


def received_photo(voice: Voice, faces: int, blur: bool, consent: str) -> Reply:
    lines: list = [
        voice._("Received: the photo is stored without any metadata (no place, time or camera).")
    ]
    if blur:
        lines.append(
            voice.ngettext(
                "I blurred {count} face before storing it. Please check it in the roundup: a "
                "face I missed stays sharp.",
                "I blurred {count} faces before storing it. Please check them in the roundup: "
                "a face I missed stays sharp.",
                faces,
            )
        )
        lines.append(
            voice._(
                "The original is still in this room: delete it here if the faces in it must "
                "not stay on the server."
            )
        )
    lines.append(consent_line(voice, consent))
    return reply(*lines)


def consent_line(voice: Voice, consent: str) -> Reply | tuple:
    if consent == "public":
        return voice._("It may appear in the public roundup page.")
    return voice._("It is shown to the network's coordinators only, never published.")


def received_text(voice: Voice, window: Window, consent: str) -> Reply:
    return reply(
        voice._("Your report for {title} is recorded.", title=bold(window.title)),
        consent_line(voice, consent),
    )


def refused(voice: Voice, reason: str) -> Reply:
    messages = {
        "not-an-image": voice._("This file is not an image I can read (JPEG, PNG, WebP …)."),
        "too-many-pixels": voice._("This image has too many pixels; please send a smaller one."),
        "too-big": voice._("This file is too big; please send a smaller photo."),
        "unreadable": voice._("I could not download or read this photo. Please send it again."),
        "not-a-file": voice._("Answer a photo with this command, or write it as its caption."),
        "not-yours": voice._("Only the person who posted a photo can make it a report."),
        "too-many": voice._(
            "You have already reported many photos for this window — that is the limit. "
            "Choose the ones that matter most, withdraw others, and send again."
        ),
    }
    return error_reply(
        messages.get(reason) or messages["unreadable"], voice._("Nothing was stored.")
    )


def which_window(voice: Voice, windows: Sequence[Window], prefix: str) -> Reply:
    lines: list = [
        voice._(
            "This photo could belong to several windows. Answer it with {command} to choose:",
            command=code(f"{prefix}report <id>"),
        )
    ]
    lines += [(code(w.id), f" {w.title}") for w in windows]
    return error_reply(*lines)


def not_open(voice: Voice, prefix: str) -> Reply:
    return error_reply(
        voice._(
            "No window is open for reports in this node now (reports are taken from a window's "
            "start until some time after its end)."
        ),
        voice._("Windows: {command}", command=code(f"{prefix}windows")),
    )


def usage(voice: Voice, prefix: str) -> Reply:
    return error_reply(
        voice._("Usage: {usage}", usage=code(prefix + USAGE)),
        voice._(
            "For a photo: answer it with {command}. To take back your photo: answer it with "
            "{withdraw}.",
            command=code(f"{prefix}report <window-id>"),
            withdraw=code(f"{prefix}report withdraw"),
        ),
    )


def withdrawn(voice: Voice) -> Reply:
    return reply(voice._("Withdrawn: the photo is deleted and will not be in any roundup."))


def not_yours(voice: Voice) -> Reply:
    return error_reply(voice._("Only the person who sent a report can withdraw it."))


def nothing_to_withdraw(voice: Voice, prefix: str) -> Reply:
    return error_reply(
        voice._(
            "Answer your own photo with {command} to withdraw it; that message is not a report.",
            command=code(f"{prefix}report withdraw"),
        )
    )


def not_here(voice: Voice) -> Reply:
    return error_reply(voice._("Reports are sent from admitted node rooms."))
