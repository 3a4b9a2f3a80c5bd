"""The check run after every real-Synapse test can fail: a Matrix id in a table is found,
one in a message still waiting to be sent (it needs its mention) is not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.integration.conftest import assert_no_person_in


def test_the_database_check_finds_a_person(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE outbox (key TEXT, status TEXT, content TEXT)")
        db.execute("CREATE TABLE notes (body TEXT)")
        db.execute("INSERT INTO outbox VALUES ('reply:$1', 'pending', '@ana:localhost:8008')")
        db.execute("INSERT INTO notes VALUES ('@bot:localhost')")
    assert_no_person_in(path, "@bot:localhost")  # pending mention and the bot itself: fine
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO notes VALUES ('said by @ben:example.org')")
    with pytest.raises(AssertionError, match=r"@ben:example\.org"):
        assert_no_person_in(path, "@bot:localhost")


def test_the_check_reads_the_raw_file_and_any_case(tmp_path: Path) -> None:
    """Review: the check read committed rows only (never free pages or the write-ahead
    log) and lowercase ids only (``@Alice:Example.org`` passed)."""
    path = tmp_path / "db.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE outbox (key TEXT, status TEXT, content TEXT)")
        db.execute("CREATE TABLE notes (body TEXT)")
        db.execute("INSERT INTO notes VALUES ('@Alice:Example.org')")
    with pytest.raises(AssertionError, match="Alice"):
        assert_no_person_in(path, "@bot:localhost")
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA secure_delete=OFF")
        db.execute("DELETE FROM notes")  # gone from the rows, left in a free page
    with pytest.raises(AssertionError, match="Alice"):
        assert_no_person_in(path, "@bot:localhost")
