"""``actionbot backup`` and ``actionbot restore``: one file with everything the bot needs
to come back — its database and its encryption store — and a safe way back from it.

- Every SQLite file (the database, nio's encryption store) is copied with SQLite's online
  backup, so a copy taken while the bot runs is consistent; a file-by-file copy of a live
  store can be torn (review). Write-ahead logs are never copied: the copies hold it all.
- The archive is created owner-only and never overwrites anything (a typo in ``--out``
  must not replace last week's backup, nor follow a symlink somewhere else).
- A restore checks every name in the archive, moves what is there aside (nothing is
  deleted) and removes a stale write-ahead log, which SQLite would otherwise replay over
  the restored database.
Photos are not included: they are meant to be short-lived.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from actionbot.config import Config

DATABASE = "actionbot.db"
CRYPTO = "crypto"
NOTE = "RESTORE.txt"
SIDE_FILES = ("-wal", "-shm", "-journal")
SQLITE_HEADER = b"SQLite format 3\x00"
RESTORE_NOTE = (
    b"Restore: stop the bot, then run\n"
    b"  actionbot restore -c config.yaml --from THIS_FILE\n"
    b"and start it. What was in the store folder is moved aside, not deleted.\n"
    b"The database and crypto/ must come from the same backup.\n"
)


@dataclass(frozen=True)
class BackupFailed:
    reason: str


def backup(config: Config, out: Path) -> int | BackupFailed:
    """Write the backup; returns how many files went in, or why nothing was written."""
    if not config.db_path.exists():
        return BackupFailed(f"no database at {config.db_path}")
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return BackupFailed(f"{out} already exists: a backup never replaces a file")
    except OSError as exc:
        return BackupFailed(f"cannot create {out}: {exc.strerror or exc}")
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            tempfile.TemporaryDirectory() as tmp,
            tarfile.open(fileobj=raw, mode="w:gz") as archive,
        ):
            count = _add(archive, config.db_path, DATABASE, Path(tmp))
            crypto = config.crypto_store_path
            if crypto.exists():
                for path in sorted(crypto.rglob("*")):
                    if path.is_file() and not path.name.endswith(SIDE_FILES):
                        name = f"{CRYPTO}/{path.relative_to(crypto).as_posix()}"
                        count += _add(archive, path, name, Path(tmp))
            info = tarfile.TarInfo(NOTE)
            info.size = len(RESTORE_NOTE)
            archive.addfile(info, io.BytesIO(RESTORE_NOTE))
    except (OSError, sqlite3.Error, tarfile.TarError) as exc:
        out.unlink(missing_ok=True)
        return BackupFailed(f"the backup failed and was removed: {exc}")
    return count


def _add(archive: tarfile.TarFile, path: Path, name: str, tmp: Path) -> int:
    with path.open("rb") as probe:
        is_sqlite = probe.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    if is_sqlite:
        copy = tmp / "copy.sqlite"
        copy.unlink(missing_ok=True)
        with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(copy)) as target:
            source.backup(target)
        archive.add(copy, arcname=name)
    else:
        archive.add(path, arcname=name)
    return 1


def restore(
    config: Config, archive_path: Path, *, now: datetime | None = None
) -> str | BackupFailed:
    """Restore the store folder from a backup; returns what was done, or why nothing was
    changed (the archive is unreadable or not an actionbot backup)."""
    try:
        archive = tarfile.open(archive_path, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        return BackupFailed(f"cannot read {archive_path}: {exc}")
    with archive:
        try:
            members = archive.getmembers()  # reads it all: a damaged archive fails here
        except (OSError, tarfile.TarError, zlib.error, EOFError) as exc:
            return BackupFailed(f"{archive_path} is damaged: {exc}")
        problem = _check(members)
        if problem is not None:
            return BackupFailed(problem)
        store = config.store_path
        store.mkdir(parents=True, exist_ok=True, mode=0o700)
        owner = store.stat()
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
        aside = store / f"before-restore-{stamp}"
        moved = _move_aside(config, aside)
        try:
            for member in members:
                if member.name != NOTE:
                    archive.extract(member, store, filter="data")
                    _private(store, store / member.name, owner)
        except (OSError, tarfile.TarError, zlib.error, EOFError) as exc:
            # A damaged archive or a full disk: put back what was there (nothing lost).
            _undo(config, aside if moved else None)
            return BackupFailed(f"the restore failed and nothing was changed: {exc}")
    if moved:
        return f"restored into {store}; what was there before is in {aside}"
    return f"restored into {store}"


def _private(store: Path, path: Path, owner: os.stat_result) -> None:
    """Owner-only, and owned like the store folder: a restore run with sudo must not leave
    files the bot's user cannot open (review)."""
    os.chmod(path, 0o600)
    chown = os.geteuid() == 0 and owner.st_uid != 0
    for step in (path, *path.relative_to(store).parents):
        target = store / step
        if target != store and target.is_dir():
            os.chmod(target, 0o700)
        if chown and target != store:
            os.chown(target, owner.st_uid, owner.st_gid)


def _check(members: list[tarfile.TarInfo]) -> str | None:
    if DATABASE not in {m.name for m in members}:
        return "this is not an actionbot backup (it has no actionbot.db)"
    for member in members:
        path = PurePosixPath(member.name)
        inside = member.name in (DATABASE, NOTE) or (
            len(path.parts) > 1 and path.parts[0] == CRYPTO and ".." not in path.parts
        )
        if not member.isfile() or not inside:
            return f"unexpected entry in the backup: {member.name!r}"
    return None


def _undo(config: Config, aside: Path | None) -> None:
    """Remove what a failed restore extracted and move back what it had moved aside."""
    config.db_path.unlink(missing_ok=True)
    shutil.rmtree(config.crypto_store_path, ignore_errors=True)
    if aside is not None:
        for path in aside.iterdir():
            shutil.move(path, config.store_path / path.name)
        aside.rmdir()


def _move_aside(config: Config, aside: Path) -> bool:
    """Move the current database (with its side files) and encryption store aside."""
    present = [
        p
        for p in (config.db_path, *(Path(f"{config.db_path}{s}") for s in SIDE_FILES))
        if p.exists()
    ]
    if config.crypto_store_path.exists():
        present.append(config.crypto_store_path)
    if not present:
        return False
    aside.mkdir(mode=0o700)
    for path in present:
        shutil.move(path, aside / path.name)
    return True
