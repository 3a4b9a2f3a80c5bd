"""Where cleaned photos live: ``<store>/photos/<sha256>.jpg``, written atomically (a
temporary file in the same folder, then a rename), readable by the bot's user only.
Only :class:`~actionbot.photos.clean.CleanPhoto` bytes are ever written here."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from actionbot.photos.clean import CleanPhoto


class PhotoStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256")  # a bug: hashes come from our own cleaning
        return self.folder / f"{sha256}.jpg"

    def put(self, photo: CleanPhoto) -> Path:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = self.path(photo.sha256)
        if target.exists():
            return target
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(photo.data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target

    def read(self, sha256: str) -> bytes | None:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, sha256: str) -> bool:
        try:
            self.path(sha256).unlink()
            return True
        except FileNotFoundError:
            return False

    def sweep(self, in_use: set[str], *, older_than: float) -> int:
        """Delete photos no report refers to and interrupted ``.part`` files, last changed
        before ``older_than`` (a POSIX time: a photo being recorded right now is younger).
        A crash between writing a photo and recording it must not keep it past retention."""
        if not self.folder.is_dir():
            return 0
        gone = 0
        for entry in self.folder.iterdir():
            orphan = entry.suffix == ".part" or (
                entry.suffix == ".jpg" and entry.stem not in in_use
            )
            try:
                if orphan and entry.is_file() and entry.stat().st_mtime < older_than:
                    entry.unlink()
                    gone += 1
            except FileNotFoundError:
                continue
        return gone
