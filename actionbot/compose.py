"""The composition root: every part built once, up front, from the config and the few
things only known at start-up (the database, the logged-in connection, the calendar, the
catalogs). Nothing is optional and nothing is global, so several bots can run in one
process (the tests do) and every part can be built alone in a test."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from actionbot.commands.context import Services
from actionbot.commands.dispatch import build_commands
from actionbot.config import Config
from actionbot.core.calendar import Calendar
from actionbot.core.gestures import Gesture
from actionbot.core.ratelimit import CommandLimits
from actionbot.flows.applier import Applier
from actionbot.flows.context import FlowContext, Settings
from actionbot.flows.rota_steps import RoomState
from actionbot.flows.runner import Runner
from actionbot.gestures import Library
from actionbot.inbound.commands import CommandHandler
from actionbot.inbound.invites import InviteHandler
from actionbot.inbound.media import MediaHandler
from actionbot.inbound.polls import PollHandler
from actionbot.inbound.reactions import ReactionHandler
from actionbot.inbound.router import Router
from actionbot.inbound.rsvp import RsvpHandler
from actionbot.inbound.undecryptable import UndecryptableHandler
from actionbot.inbound.upgrades import UpgradeHandler
from actionbot.matrix.connection import Connection
from actionbot.matrix.sender import OutboxSender
from actionbot.photos.ingest import ReportIngest
from actionbot.photos.storage import PhotoStore
from actionbot.render.catalogs import Catalogs, Voices
from actionbot.render.languages import normalise_language
from actionbot.render.reply import Reply
from actionbot.render.system import delivery_failed, not_delivered_in_time
from actionbot.roundup.service import RoundupService
from actionbot.scheduler import Scheduler
from actionbot.store import Database, EventLog, NodeStore, OutboxStore, SessionStore, WindowStore
from actionbot.store.changes import ChangeStore
from actionbot.store.gestures import GestureStore
from actionbot.store.reports import ReportStore
from actionbot.store.rotations import RotationStore
from actionbot.sync import SyncLoop


@dataclass(frozen=True, kw_only=True)
class Parts:
    db: Database
    connection: Connection
    outbox: OutboxStore
    sender: OutboxSender
    windows: WindowStore
    nodes: NodeStore
    scheduler: Scheduler
    runner: Runner
    router: Router
    sync: SyncLoop
    handled: EventLog


def compose(
    *,
    config: Config,
    db: Database,
    connection: Connection,
    sessions: SessionStore,
    calendar: Calendar,
    gestures: dict[str, Gesture],
    catalogs: Catalogs,
    salt: bytes,
    clock: Callable[[], datetime],
    ready: asyncio.Event,
    after_first: Callable[[], object],
) -> Parts:
    outbox = OutboxStore(db)
    voices = Voices(catalogs, config.default_language)
    nodes = NodeStore(db)

    async def failure_report(room_id: str, attempts: int, key: str, reason: str) -> Reply:
        coordination = config.coordination_room
        voice = voices.of(await nodes.by_room(coordination) if coordination else None)
        target = await nodes.by_room(room_id)
        return delivery_failed(voice, attempts, key, reason, target.name if target else None)

    async def late_report(room_id: str) -> Reply:
        coordination = config.coordination_room
        voice = voices.of(await nodes.by_room(coordination) if coordination else None)
        target = await nodes.by_room(room_id)
        return not_delivered_in_time(voice, target.name if target else None)

    sender = OutboxSender(
        outbox=outbox,
        connection=connection,
        config=config,
        clock=clock,
        failure_report=failure_report,
        late_report=late_report,
    )
    notify = sender.notify
    windows = WindowStore(db)
    handled = EventLog(db)
    scheduler = Scheduler(clock)

    async def read_room(room_id: str) -> RoomState:
        members = connection.members(room_id)
        return RoomState(
            members=members,
            levels=await connection.levels_of(room_id, members),
            creators=await connection.creators_of(room_id) or frozenset(),
            me=connection.user_id,
        )

    runner = Runner(
        ctx=FlowContext(settings=Settings.from_config(config), voices=voices, calendar=calendar),
        windows=windows,
        nodes=nodes,
        rotations=RotationStore(db),
        gestures=Library(gestures, GestureStore(db, normalise_language)),
        read_room=read_room,
        applier=Applier(changes=ChangeStore(db), scheduler=scheduler, notify=notify),
        clock=clock,
        salt=salt,
    )

    ingest = ReportIngest(
        config=config,
        reports=ReportStore(db),
        photos=PhotoStore(config.photos_path),
        applier=runner.applier,
        voices=voices,
        person_hash=runner.person_hash,
        clock=clock,
    )
    runner.roundups = RoundupService(
        config=config,
        windows=windows,
        nodes=nodes,
        gestures=runner.gestures.store,
        reports=ingest.reports,
        photos=ingest.photos,
        voices=voices,
        clock=clock,
        upload=_uploader(connection),
        applier=runner.applier,
    )
    router = _router(
        ingest=ingest,
        config=config,
        connection=connection,
        runner=runner,
        calendar=calendar,
        stores=(nodes, windows, outbox, handled),
        voices=voices,
        notify=notify,
        clock=clock,
    )
    sync = SyncLoop(
        config=config,
        connection=connection,
        sessions=sessions,
        router=router,
        after_first=after_first,  # type: ignore[arg-type]
        ready=ready,
    )
    return Parts(
        db=db,
        connection=connection,
        outbox=outbox,
        sender=sender,
        windows=windows,
        nodes=nodes,
        scheduler=scheduler,
        runner=runner,
        router=router,
        sync=sync,
        handled=handled,
    )


def _uploader(connection: Connection):
    """Upload a file for a room (encrypted where the room is): m.file content or a reason."""

    async def upload(data: bytes, filename: str, mimetype: str, room_id: str):
        result = await connection.upload_file(
            data, filename=filename, mimetype=mimetype, room_id=room_id
        )
        return result if isinstance(result, dict) else result.reason

    return upload


def _router(
    *,
    ingest: ReportIngest,
    config: Config,
    connection: Connection,
    runner: Runner,
    calendar: Calendar,
    stores: tuple[NodeStore, WindowStore, OutboxStore, EventLog],
    voices: Voices,
    notify: Callable[[], None],
    clock: Callable[[], datetime],
) -> Router:
    """The inbound side: one handler per event kind, and the router that picks them."""
    nodes, windows, outbox, handled = stores

    upload = _uploader(connection)
    # One set of token buckets for everything people can make the bot answer or work on.
    limits = CommandLimits()

    commands = CommandHandler(
        config=config,
        commands=build_commands(
            Services(
                config=config,
                nodes=nodes,
                windows=windows,
                runner=runner,
                calendar=calendar,
                voices=voices,
                upload=upload,
                moderators=connection.moderators,
                gestures=runner.gestures,
                fetch_file=connection.fetch_file,
                ingest=ingest,
            )
        ),
        connection=connection,
        nodes=nodes,
        voices=voices,
        handled=handled,
        notify=notify,
        clock=clock,
        limits=limits,
    )
    polls = PollHandler(
        config=config,
        connection=connection,
        runner=runner,
        windows=windows,
        nodes=nodes,
        voices=voices,
        handled=handled,
        notify=notify,
        clock=clock,
    )
    invites = InviteHandler(
        config=config,
        connection=connection,
        nodes=nodes,
        runner=runner,
        voices=voices,
        outbox=outbox,
        notify=notify,
        clock=clock,
    )
    return Router(
        config=config,
        me=connection.user_id,
        invites=invites,
        commands=commands,
        polls=polls,
        reactions=ReactionHandler(
            config=config,
            connection=connection,
            runner=runner,
            nodes=nodes,
            outbox=outbox,
            voices=voices,
            handled=handled,
            notify=notify,
            clock=clock,
        ),
        rsvp=RsvpHandler(
            emoji=config.rsvp_emoji,
            runner=runner,
            nodes=nodes,
            windows=windows,
            outbox=outbox,
            clock=clock,
        ),
        upgrades=UpgradeHandler(
            connection=connection, runner=runner, nodes=nodes, invites=invites, handled=handled
        ),
        undecryptable=UndecryptableHandler(
            config=config,
            connection=connection,
            commands=commands,
            polls=polls,
            nodes=nodes,
            voices=voices,
            handled=handled,
            notify=notify,
            clock=clock,
            person_hash=runner.person_hash,
            limits=limits,
        ),
        media=MediaHandler(
            config=config,
            connection=connection,
            ingest=ingest,
            nodes=nodes,
            windows=windows,
            voices=voices,
            handled=handled,
            clock=clock,
            limits=limits,
        ),
        clock=clock,
    )
