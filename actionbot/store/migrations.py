"""Numbered, described, append-only schema migrations.

Rules: never edit or reorder a migration that has shipped; add a new one instead. Each
migration runs in its own transaction together with the row that records it, so a crash
leaves the schema either before or after a migration, never half-way.
Times are stored as ISO 8601 UTC text (``2027-03-08T16:00:00.000000Z``), which sorts
correctly as text and stays readable in an audit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        description="session, nodes, handled events, outbox",
        statements=(
            """CREATE TABLE session (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                homeserver TEXT NOT NULL,
                user_id TEXT NOT NULL,
                device_id TEXT NOT NULL,
                access_token TEXT NOT NULL,
                pickle_key TEXT NOT NULL,
                created_at TEXT NOT NULL
            )""",
            """CREATE TABLE kv (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            )""",
            """CREATE TABLE nodes (
                id TEXT PRIMARY KEY,
                room_id TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                name_key TEXT NOT NULL UNIQUE,
                timezone TEXT NOT NULL,
                language TEXT NOT NULL,
                homeserver TEXT NOT NULL,
                registered_at TEXT NOT NULL
            )""",
            """CREATE TABLE handled_events (
                event_id TEXT PRIMARY KEY,
                room_id TEXT NOT NULL,
                handled_at TEXT NOT NULL
            )""",
            """CREATE TABLE undecryptable_hints (
                room_id TEXT NOT NULL,
                session_id TEXT NOT NULL,
                hinted_at TEXT NOT NULL,
                PRIMARY KEY (room_id, session_id)
            )""",
            """CREATE TABLE outbox (
                id TEXT PRIMARY KEY,
                key TEXT NOT NULL UNIQUE,
                room_id TEXT NOT NULL,
                event_type TEXT NOT NULL,
                content TEXT NOT NULL,
                status TEXT NOT NULL
                    CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
                txn_id TEXT NOT NULL UNIQUE,
                event_id TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT NOT NULL,
                last_error TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )""",
            "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
        ),
    ),
    Migration(
        version=2,
        description="action windows, votes, reminder plans",
        statements=(
            """CREATE TABLE windows (
                id TEXT PRIMARY KEY,
                title TEXT NOT NULL,
                mode TEXT NOT NULL CHECK (mode IN ('global', 'local')),
                start_at TEXT,
                local_time TEXT,
                local_date TEXT,
                anchor_at TEXT,
                duration_s INTEGER NOT NULL,
                state TEXT NOT NULL CHECK (state IN
                    ('proposed', 'approved', 'rejected', 'cancelled', 'done')),
                proposer_node TEXT NOT NULL,
                proposer_hash TEXT NOT NULL,
                gesture TEXT,
                recurrence TEXT,
                when_json TEXT NOT NULL,
                label TEXT NOT NULL,
                notes_json TEXT NOT NULL,
                created_at TEXT NOT NULL,
                deadline_at TEXT NOT NULL,
                decided_at TEXT,
                decision TEXT,
                series TEXT
            )""",
            "CREATE INDEX windows_state ON windows (state)",
            """CREATE TABLE votes (
                window_id TEXT NOT NULL REFERENCES windows (id),
                node_id TEXT NOT NULL,
                vote TEXT NOT NULL CHECK (vote IN ('yes', 'no', 'abstain', 'block')),
                via TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (window_id, node_id)
            )""",
            """CREATE TABLE reminders (
                window_id TEXT NOT NULL REFERENCES windows (id),
                node_id TEXT NOT NULL,
                offset_key TEXT NOT NULL,
                kind TEXT NOT NULL,
                due_at TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN
                    ('planned', 'fired', 'skipped', 'cancelled')),
                reason TEXT,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (window_id, node_id, offset_key)
            )""",
            "CREATE INDEX reminders_planned ON reminders (status, due_at)",
        ),
    ),
    Migration(
        version=3,
        description="a window remembers the command event that proposed it (idempotent replays)",
        statements=(
            "ALTER TABLE windows ADD COLUMN source_event TEXT",
            "CREATE UNIQUE INDEX windows_source_event ON windows (source_event)",
        ),
    ),
    Migration(
        version=4,
        description="polls: which window and node each posted poll belongs to",
        statements=(
            """CREATE TABLE polls (
                message_key TEXT PRIMARY KEY,
                window_id TEXT NOT NULL,
                node_id TEXT NOT NULL,
                room_id TEXT NOT NULL
            )""",
            "CREATE INDEX polls_window ON polls (window_id)",
            # Polls queued by earlier versions: their keys were "poll:<window>:<node>", both
            # ids five characters long (read once here, never again).
            """INSERT OR IGNORE INTO polls (message_key, window_id, node_id, room_id)
               SELECT key, substr(key, 6, 5), substr(key, 12), room_id FROM outbox
               WHERE key LIKE 'poll:_____:%'""",
        ),
    ),
    Migration(
        version=5,
        description="votes: 'abstain' is now 'stand-aside' (the table is rebuilt for its check)",
        statements=(
            """CREATE TABLE votes_new (
                window_id TEXT NOT NULL REFERENCES windows (id),
                node_id TEXT NOT NULL,
                vote TEXT NOT NULL CHECK (vote IN ('yes', 'stand-aside', 'no', 'block')),
                via TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (window_id, node_id)
            )""",
            """INSERT INTO votes_new (window_id, node_id, vote, via, updated_at)
               SELECT window_id, node_id,
                      CASE vote WHEN 'abstain' THEN 'stand-aside' ELSE vote END,
                      via, updated_at
               FROM votes""",
            "DROP TABLE votes",
            "ALTER TABLE votes_new RENAME TO votes",
        ),
    ),
    Migration(
        version=6,
        description="nodes are admitted by the network: a standing per node (existing: admitted)",
        statements=(
            """ALTER TABLE nodes ADD COLUMN standing TEXT NOT NULL DEFAULT 'admitted'
                   CHECK (standing IN ('requested', 'admitted', 'left', 'removed'))""",
            "ALTER TABLE nodes ADD COLUMN requested_at TEXT",
            # Which coordination-room message announced which request (for ✅/❌).
            """CREATE TABLE request_notices (
                message_key TEXT PRIMARY KEY,
                node_id TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        version=7,
        description="room upgrades: a node's room replaced by its successor",
        statements=(
            """CREATE TABLE upgrades (
                new_room TEXT PRIMARY KEY,
                old_room TEXT NOT NULL,
                node_id TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        version=8,
        description="what the bot already said is not kept: sent messages lose their content",
        statements=("UPDATE outbox SET content = '{}' WHERE status = 'sent'",),
    ),
    Migration(
        version=9,
        description="rotas: duties that rotate among a room's people (named by keyed hashes)",
        statements=(
            """CREATE TABLE rotations (
                id TEXT PRIMARY KEY,
                room_id TEXT NOT NULL,
                duty TEXT NOT NULL,
                members_json TEXT NOT NULL,
                cadence TEXT NOT NULL,
                power INTEGER,
                position INTEGER NOT NULL,
                next_at TEXT NOT NULL,
                prior_json TEXT NOT NULL,
                UNIQUE (room_id, duty)
            )""",
        ),
    ),
    Migration(
        version=10,
        description="admission by a vote of the nodes: each node's vote on a request",
        statements=(
            """CREATE TABLE admission_votes (
                node_id TEXT NOT NULL,
                voter_node_id TEXT NOT NULL,
                vote TEXT NOT NULL CHECK (vote IN ('yes', 'stand-aside', 'no', 'block')),
                PRIMARY KEY (node_id, voter_node_id)
            )""",
        ),
    ),
    Migration(
        version=11,
        description="gestures: versions, each node's adaptation, guidelines sent, RSVPs",
        statements=(
            # Every version a window used is kept, so a replaced gesture still shows as it
            # was; added_at is set for versions a coordinator sent in chat.
            """CREATE TABLE gesture_versions (
                id TEXT NOT NULL,
                rev TEXT NOT NULL,
                body_json TEXT NOT NULL,
                added_at TEXT,
                PRIMARY KEY (id, rev)
            )""",
            "ALTER TABLE windows ADD COLUMN gesture_rev TEXT",
            """CREATE TABLE adaptations (
                window_id TEXT NOT NULL,
                node_id TEXT NOT NULL,
                text TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (window_id, node_id)
            )""",
            """CREATE TABLE guidelines (
                window_id TEXT NOT NULL,
                node_id TEXT NOT NULL,
                room_id TEXT NOT NULL,
                message_key TEXT NOT NULL UNIQUE,
                PRIMARY KEY (window_id, node_id)
            )""",
            # People who take part, by the keyed hash only; reaction_event lets a redacted
            # reaction undo exactly the RSVP it made.
            """CREATE TABLE rsvps (
                window_id TEXT NOT NULL,
                node_id TEXT NOT NULL,
                person_hash TEXT NOT NULL,
                reaction_event TEXT,
                PRIMARY KEY (window_id, node_id, person_hash)
            )""",
            "CREATE INDEX rsvps_by_reaction ON rsvps (reaction_event)",
        ),
    ),
    Migration(
        version=12,
        description="reports (cleaned photos by hash, senders by keyed hash); node settings",
        statements=(
            """CREATE TABLE reports (
                id TEXT PRIMARY KEY,
                window_id TEXT NOT NULL,
                node_id TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('photo', 'text')),
                created_at TEXT NOT NULL,
                caption TEXT NOT NULL,
                consent TEXT NOT NULL CHECK (consent IN ('network', 'public')),
                sender_hash TEXT NOT NULL,
                source_event TEXT NOT NULL UNIQUE,
                sha256 TEXT,
                size INTEGER,
                width INTEGER,
                height INTEGER,
                faces INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX reports_by_window ON reports (window_id, node_id)",
            "CREATE INDEX reports_by_hash ON reports (sha256)",
            """CREATE TABLE node_settings (
                node_id TEXT PRIMARY KEY,
                blur INTEGER NOT NULL DEFAULT 0,
                consent TEXT NOT NULL DEFAULT 'network',
                rest TEXT NOT NULL DEFAULT '2d 19:00'
            )""",
            # A roundup a coordinator keeps: its window's photos outlive the retention time.
            "CREATE TABLE kept_roundups (window_id TEXT PRIMARY KEY, kept_at TEXT NOT NULL)",
        ),
    ),
    Migration(
        version=13,
        description="outbox: time, not attempts, bounds delivery; lateness decided at send",
        statements=(
            "ALTER TABLE outbox ADD COLUMN useful_until TEXT",
            "ALTER TABLE outbox ADD COLUMN late_at TEXT",
            "ALTER TABLE outbox ADD COLUMN late_content TEXT",
        ),
    ),
    Migration(
        version=14,
        description="outbox: repeated news coalesced (the newest waiting one wins)",
        statements=(
            "ALTER TABLE outbox ADD COLUMN coalesce TEXT",
            "CREATE INDEX outbox_coalesce ON outbox (room_id, coalesce) "
            "WHERE coalesce IS NOT NULL AND status = 'pending'",
        ),
    ),
    Migration(
        version=15,
        description="rsvps: a join by command outlives a withdrawn reaction",
        statements=(
            "ALTER TABLE rsvps ADD COLUMN by_command INTEGER NOT NULL DEFAULT 0",
            "UPDATE rsvps SET by_command = 1 WHERE reaction_event IS NULL",
        ),
    ),
)
