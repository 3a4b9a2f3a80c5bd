"""The parts a command needs, on a real SQLite store, with no Matrix and an unstarted
scheduler: the same composition as the bot's, minus the homeserver."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from actionbot.calendars import shipped_calendar
from actionbot.commands.context import CommandContext, Outcome, Services
from actionbot.commands.dispatch import Commands, build_commands
from actionbot.config import Config, parse_config
from actionbot.core.ratelimit import CommandLimits
from actionbot.flows.applier import Applier
from actionbot.flows.context import FlowContext, Settings
from actionbot.flows.rota_steps import RoomState
from actionbot.flows.runner import Runner
from actionbot.gestures import Library, shipped_gestures
from actionbot.inbound.commands import CommandHandler
from actionbot.matrix import events
from actionbot.matrix.media import FetchedFile, FetchProblem
from actionbot.photos.ingest import ReportIngest
from actionbot.photos.storage import PhotoStore
from actionbot.render.catalogs import Catalogs, Voices
from actionbot.render.languages import normalise_language
from actionbot.roundup.service import RoundupService
from actionbot.scheduler import Scheduler
from actionbot.store import Database, NodeStore, OutboxStore, WindowStore
from actionbot.store.changes import ChangeStore
from actionbot.store.events import EventLog
from actionbot.store.gestures import GestureStore
from actionbot.store.reports import ReportStore
from actionbot.store.rotations import RotationStore


@dataclass
class Harness:
    config: Config
    db: Database
    nodes: NodeStore
    windows: WindowStore
    outbox: OutboxStore
    voices: Voices
    runner: Runner
    commands: Commands
    now: datetime
    rooms: dict[str, RoomState]  # the homeserver's view of rooms, as a test sets it
    files: dict[str, bytes]  # files people posted, by event id, as a test sets them
    senders: dict[str, str]
    ingest: ReportIngest
    events: int = 0

    async def ctx(
        self,
        room: str = "!r1:example.org",
        sender: str = "@mod:example.org",
        power: int = 50,
        event: str | None = None,
        reply_to: str | None = None,
    ) -> CommandContext:
        """Each command is a new event unless ``event`` is given (a replay)."""

        async def sender_power() -> int:
            return power

        if event is None:
            self.events += 1
            event = f"$e{self.events}"

        node = await self.nodes.by_room(room)
        return CommandContext(
            room_id=room,
            sender=sender,
            event_id=event,
            now=self.now,
            sender_power=sender_power,
            is_coordinator=sender in self.config.coordinators,
            prefix=self.config.command_prefix,
            node=node,
            voice=self.voices.of(node),
            reply_to=reply_to,
        )

    async def run(self, body: str, **kw: Any) -> Outcome:
        outcome = await self.commands.handle(await self.ctx(**kw), body)
        assert outcome is not None
        return outcome


async def make_harness(
    tmp_path: Path, now: datetime, *, catalogs: Catalogs | None = None, **sections: Any
) -> Harness:
    raw: dict[str, Any] = {
        "matrix": {
            "homeserver": "https://h.example.org",
            "user_id": "@bot:example.org",
            "password": "secret-pw",
        },
    }
    # Tests of other things admit every room; admission has tests of its own.
    raw["network"] = {"admission": "open"}
    for name, values in sections.items():
        raw[name] = values
    config = parse_config(raw, env={}, base_dir=tmp_path)
    assert isinstance(config, Config), config
    db = await Database.open(tmp_path / "db.sqlite", now=now)
    nodes, windows, outbox = NodeStore(db), WindowStore(db), OutboxStore(db)
    voices = Voices(catalogs or Catalogs.source_only(), config.default_language)
    clock = lambda: now  # noqa: E731 - the harness's time stands still
    rooms: dict[str, RoomState] = {}

    async def read_room(room_id: str) -> RoomState:
        """A stand-in for the homeserver's view of a room (tests fill ``rooms``)."""
        empty = RoomState(members=(), levels={}, creators=frozenset(), me="@bot:x")
        return rooms.get(room_id) or empty

    runner = Runner(
        ctx=FlowContext(
            settings=Settings.from_config(config), voices=voices, calendar=shipped_calendar()
        ),
        windows=windows,
        nodes=nodes,
        rotations=RotationStore(db),
        gestures=Library(shipped_gestures(), GestureStore(db, normalise_language)),
        read_room=read_room,
        applier=Applier(changes=ChangeStore(db), scheduler=Scheduler(), notify=lambda: None),
        clock=clock,
        salt=b"salt",
    )

    async def upload(data: bytes, filename: str, mimetype: str, room_id: str) -> dict[str, Any]:
        return {"msgtype": "m.file", "body": filename, "url": "mxc://x/y", "size": len(data)}

    files: dict[str, bytes] = {}
    senders: dict[str, str] = {}  # who posted a file (event id → user), where a test says

    async def fetch_file(room_id: str, event_id: str, *, limit: int):
        """A stand-in for downloading the file of ``event_id`` (tests fill ``files``)."""
        data = files.get(event_id)
        if data is None:
            return FetchProblem(reason="not-a-file")
        if len(data) > limit:
            return FetchProblem(reason="too-big", detail=str(len(data)))
        return FetchedFile(data=data, name="gesture.yaml", sender=senders.get(event_id))

    async def moderators(room_id: str, min_level: int) -> tuple[str, ...] | None:
        return ("@mod:example.org",)

    ingest = ReportIngest(
        config=config,
        reports=ReportStore(db),
        photos=PhotoStore(tmp_path / "photos"),
        applier=runner.applier,
        voices=voices,
        person_hash=runner.person_hash,
        clock=lambda: runner.clock(),
    )
    runner.roundups = RoundupService(
        config=config,
        windows=windows,
        nodes=nodes,
        gestures=runner.gestures.store,
        reports=ingest.reports,
        photos=ingest.photos,
        voices=voices,
        clock=lambda: runner.clock(),
        upload=upload,
        applier=runner.applier,
    )
    commands = build_commands(
        Services(
            config=config,
            nodes=nodes,
            windows=windows,
            runner=runner,
            calendar=shipped_calendar(),
            voices=voices,
            upload=upload,
            moderators=moderators,
            gestures=runner.gestures,
            fetch_file=fetch_file,
            ingest=ingest,
        )
    )
    return Harness(
        config=config,
        db=db,
        nodes=nodes,
        windows=windows,
        outbox=outbox,
        voices=voices,
        runner=runner,
        commands=commands,
        now=now,
        rooms=rooms,
        files=files,
        senders=senders,
        ingest=ingest,
    )


class _Moderator:
    async def power_level(self, room: str, user: str) -> int:
        return 100


def command_handler(h: Harness, *, limits: CommandLimits | None = None) -> CommandHandler:
    """The inbound command handler over the harness (everyone a moderator, the harness's
    clock): for tests of what arrives as Matrix events (buckets, answers' lifetimes)."""
    return CommandHandler(
        config=h.config,
        commands=h.commands,
        connection=_Moderator(),  # type: ignore[arg-type]
        nodes=h.nodes,
        voices=h.voices,
        handled=EventLog(h.db),
        notify=lambda: None,
        clock=lambda: h.now,
        limits=limits,
    )


def text_event(
    room: str, event_id: str, body: str, sent_at: datetime, sender: str = "@mod:example.org"
) -> events.TextMessage:
    return events.TextMessage(
        room_id=room,
        event_id=event_id,
        sender=sender,
        body=body,
        sent_at=sent_at,
        encrypted=False,
    )
