"""Applying a flow's effects: every state change and every message in one transaction.

Guarded changes check the state they expect in the same statement (``WHERE state = ?``,
``WHERE status = 'planned'``); if one finds the state already moved on (another run got
there first), the whole set is rolled back and :meth:`ChangeStore.apply` returns False —
so a window is never approved without its reminders, or announced without its change.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from actionbot.core.changes import (
    Change,
    CreateWindow,
    EndRotation,
    ForgetNode,
    MarkHandled,
    MoveNodeRoom,
    RecordRequestNotice,
    RecordUpgrade,
    RegisterNode,
    ReplanNode,
    SaveRotation,
    SetAdmissionVote,
    SettleReminder,
    SetVote,
    SkipMessage,
    Transition,
    WithdrawNode,
)
from actionbot.core.gesture_changes import (
    KeepGesture,
    RecordGuideline,
    SetAdaptation,
    SetRsvp,
    UndoReaction,
)
from actionbot.core.outbox import OutgoingMessage
from actionbot.core.report_changes import AddReport, SetNodeSettings, WithdrawReport
from actionbot.core.windows import Window
from actionbot.store import gestures, reports
from actionbot.store.db import Database, to_db_time
from actionbot.store.nodes import upsert_node
from actionbot.store.outbox import insert_message
from actionbot.store.reminder_rows import cancel_planned, insert_plan, replan_node, settle_reminder
from actionbot.store.rotations import save_rotation


@dataclass(frozen=True, kw_only=True)
class NewPoll:
    """Records which window and node a queued poll message belongs to."""

    message_key: str
    window_id: str
    node_id: str
    room_id: str


class _Conflict(Exception):
    """Rolls back a set of changes whose expected state was already gone."""


def _opt(value: datetime | None) -> str | None:
    return to_db_time(value) if value else None


async def insert_window(
    tx: aiosqlite.Connection, window: Window, *, proposer_hash: str, source_event: str | None
) -> None:
    await tx.execute(
        """INSERT INTO windows (id, title, mode, start_at, local_time, local_date,
               anchor_at, duration_s, state, proposer_node, proposer_hash, gesture,
               recurrence, when_json, label, notes_json, created_at, deadline_at,
               decided_at, decision, series, source_event, gesture_rev)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            window.id,
            window.title,
            window.mode,
            _opt(window.start),
            window.local_time.isoformat() if window.local_time else None,
            window.local_date.isoformat() if window.local_date else None,
            _opt(window.anchor),
            int(window.duration.total_seconds()),
            str(window.state),
            window.proposer_node,
            proposer_hash,
            window.gesture,
            window.recurrence,
            json.dumps(window.when),
            window.label,
            json.dumps([note.to_json() for note in window.notes]),
            to_db_time(window.created_at),
            to_db_time(window.deadline),
            _opt(window.decided_at),
            window.decision,
            window.series,
            source_event,
            window.gesture_rev,
        ),
    )


async def transition(
    tx: aiosqlite.Connection, window: Window, to: str, *, decision: str | None, now: datetime
) -> bool:
    cur = await tx.execute(
        """UPDATE windows SET state = ?, decided_at = COALESCE(?, decided_at),
               decision = COALESCE(?, decision)
           WHERE id = ? AND state = ?""",
        (to, to_db_time(now) if decision else None, decision, window.id, str(window.state)),
    )
    return cur.rowcount == 1


async def set_vote(
    tx: aiosqlite.Connection, window_id: str, node_id: str, vote: str, via: str, now: datetime
) -> None:
    await tx.execute(
        """INSERT INTO votes (window_id, node_id, vote, via, updated_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (window_id, node_id) DO UPDATE SET
               vote = excluded.vote, via = excluded.via, updated_at = excluded.updated_at""",
        (window_id, node_id, vote, via, to_db_time(now)),
    )


async def skip_message(tx: aiosqlite.Connection, key: str, reason: str, now: datetime) -> None:
    await tx.execute(
        """UPDATE outbox SET status = 'skipped', last_error = ?, updated_at = ?,
               content = '{}', late_content = NULL
           WHERE key = ? AND status = 'pending'""",
        (reason, to_db_time(now), key),
    )


async def record_poll(tx: aiosqlite.Connection, poll: NewPoll) -> None:
    await tx.execute(
        """INSERT OR IGNORE INTO polls (message_key, window_id, node_id, room_id)
           VALUES (?, ?, ?, ?)""",
        (poll.message_key, poll.window_id, poll.node_id, poll.room_id),
    )


async def withdraw_node(tx: aiosqlite.Connection, change: WithdrawNode, now: datetime) -> None:
    for window_id in change.undecided:
        await tx.execute(
            "DELETE FROM votes WHERE window_id = ? AND node_id = ?", (window_id, change.node_id)
        )
    # Its say on rooms still asking to join goes with it (decided requests keep no votes).
    await tx.execute("DELETE FROM admission_votes WHERE voter_node_id = ?", (change.node_id,))
    await tx.execute(
        """UPDATE reminders SET status = 'cancelled', reason = 'node left the network',
               updated_at = ?
           WHERE node_id = ? AND status = 'planned'""",
        (to_db_time(now), change.node_id),
    )


async def move_node_room(tx: aiosqlite.Connection, change: MoveNodeRoom, now: datetime) -> None:
    cur = await tx.execute(
        "UPDATE nodes SET room_id = ? WHERE id = ? AND room_id = ?",
        (change.new_room, change.node_id, change.old_room),
    )
    if cur.rowcount == 1:  # messages still waiting for the old room go to the new one
        await tx.execute(
            """UPDATE outbox SET room_id = ?, updated_at = ?
               WHERE room_id = ? AND status = 'pending'""",
            (change.new_room, to_db_time(now), change.old_room),
        )
        await tx.execute(
            "UPDATE guidelines SET room_id = ? WHERE node_id = ? AND room_id = ?",
            (change.new_room, change.node_id, change.old_room),
        )
    await tx.execute("DELETE FROM upgrades WHERE new_room = ?", (change.new_room,))


async def mark_handled(tx: aiosqlite.Connection, change: MarkHandled, now: datetime) -> bool:
    cur = await tx.execute(
        "INSERT OR IGNORE INTO handled_events (event_id, room_id, handled_at) VALUES (?, ?, ?)",
        (change.event_id, change.room_id, to_db_time(now)),
    )
    return cur.rowcount == 1


async def _apply_one(tx: aiosqlite.Connection, change: Change, now: datetime) -> bool:
    """Run one change; False when the state it expects is gone."""
    match change:
        case CreateWindow():
            if change.finish is not None and not await transition(
                tx, change.finish, "done", decision=None, now=now
            ):
                return False
            await insert_window(
                tx,
                change.window,
                proposer_hash=change.proposer_hash,
                source_event=change.source_event,
            )
            await insert_plan(tx, change.plan, now)
        case Transition():
            change.window.with_state(change.to)  # raises on a transition the life cycle forbids
            if not await transition(
                tx, change.window, str(change.to), decision=change.decision, now=now
            ):
                return False
            await insert_plan(tx, change.plan, now)
            if change.cancel_reminders:
                await cancel_planned(tx, change.window.id, f"window {change.to}", now)
        case SetVote():
            await set_vote(tx, change.window_id, change.node_id, str(change.vote), change.via, now)
        case SettleReminder():
            return await settle_reminder(tx, change.item, change.status, change.reason, now)
        case ReplanNode():
            await replan_node(tx, change.window_id, change.node_id, change.plan, now)
        case SkipMessage():
            await skip_message(tx, change.key.text(), change.reason, now)
        case RegisterNode():
            await upsert_node(tx, change.node)
        case ForgetNode():
            await tx.execute("DELETE FROM nodes WHERE id = ?", (change.node_id,))
            await tx.execute("DELETE FROM request_notices WHERE node_id = ?", (change.node_id,))
            await tx.execute("DELETE FROM admission_votes WHERE node_id = ?", (change.node_id,))
        case WithdrawNode():
            await withdraw_node(tx, change, now)
        case SetAdmissionVote():
            await tx.execute(
                """INSERT INTO admission_votes (node_id, voter_node_id, vote) VALUES (?, ?, ?)
                   ON CONFLICT (node_id, voter_node_id) DO UPDATE SET vote = excluded.vote""",
                (change.node_id, change.voter_node_id, str(change.vote)),
            )
        case SaveRotation():
            await save_rotation(tx, change.rotation)
        case EndRotation():
            await tx.execute("DELETE FROM rotations WHERE id = ?", (change.rotation_id,))
        case RecordUpgrade():
            await tx.execute(
                "INSERT OR REPLACE INTO upgrades (new_room, old_room, node_id) VALUES (?, ?, ?)",
                (change.new_room, change.old_room, change.node_id),
            )
        case MoveNodeRoom():
            await move_node_room(tx, change, now)
        case RecordRequestNotice():
            await tx.execute(
                "INSERT OR IGNORE INTO request_notices (message_key, node_id) VALUES (?, ?)",
                (change.message_key.text(), change.node_id),
            )
        case MarkHandled():
            return await mark_handled(tx, change, now)
        case KeepGesture() | SetAdaptation() | RecordGuideline() | SetRsvp() | UndoReaction():
            return await gestures.apply(tx, change, now)
        case AddReport() | WithdrawReport() | SetNodeSettings():
            return await reports.apply(tx, change, now)
    return True


class ChangeStore:
    """Runs one set of changes (a flow's effects, via the applier) atomically."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def apply(
        self,
        changes: Sequence[Change],
        messages: Sequence[OutgoingMessage],
        polls: Sequence[NewPoll] = (),
        *,
        now: datetime,
    ) -> bool:
        """True if everything was stored; False (nothing stored) on a conflict."""
        try:
            async with self._db.transaction() as tx:
                for change in changes:
                    if not await _apply_one(tx, change, now):
                        raise _Conflict
                for poll in polls:
                    await record_poll(tx, poll)
                for message in messages:
                    await insert_message(tx, message, now=now)
        except _Conflict:
            return False
        return True

    async def apply_many(
        self,
        groups: Sequence[tuple[Sequence[Change], Sequence[OutgoingMessage], Sequence[NewPoll]]],
        *,
        now: datetime,
    ) -> list[bool]:
        """Several sets in one transaction, each all-or-nothing under its own savepoint: a
        set whose expected state is gone is rolled back alone."""
        done: list[bool] = []
        async with self._db.transaction() as tx:
            for changes, messages, polls in groups:
                await tx.execute("SAVEPOINT one_set")
                took = True
                for change in changes:
                    if not await _apply_one(tx, change, now):
                        took = False
                        break
                if took:
                    for poll in polls:
                        await record_poll(tx, poll)
                    for message in messages:
                        await insert_message(tx, message, now=now)
                else:
                    await tx.execute("ROLLBACK TO one_set")
                await tx.execute("RELEASE one_set")
                done.append(took)
        return done
