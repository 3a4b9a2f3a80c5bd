"""Finding a gesture by the id someone typed (``!gesture show``, ``gesture=`` in a
proposal or a move), with near matches when there is none."""

from __future__ import annotations

from dataclasses import replace

from actionbot.commands.context import CommandContext, Outcome, Services
from actionbot.core.gestures import Gesture
from actionbot.core.proposals import Proposal
from actionbot.render import gestures as text


async def find(ctx: CommandContext, services: Services, word: str) -> Gesture | Outcome:
    """The gesture named ``word``, or the reply that lists near matches."""
    gesture = await services.gestures.current(word.lower())
    if gesture is not None:
        return gesture
    near = await services.gestures.near(word.lower())
    return Outcome(reply=text.unknown(ctx.voice, word, near, ctx.prefix))


async def with_gesture(
    ctx: CommandContext, services: Services, proposal: Proposal
) -> tuple[Proposal, Gesture | None] | Outcome:
    """The proposal bound to the library's current version of its gesture (if it names
    one), or the refusal. A version already bound (a move keeps its window's) stays."""
    if proposal.gesture is None:
        return proposal, None
    if proposal.gesture_rev is not None:
        kept = await services.gestures.version(proposal.gesture, proposal.gesture_rev)
        if kept is not None:
            return proposal, kept
    found = await find(ctx, services, proposal.gesture)
    if isinstance(found, Outcome):
        return found
    return replace(proposal, gesture_rev=found.rev), found
