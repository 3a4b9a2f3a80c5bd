"""Token buckets per person and per room: a flood gets one polite answer, then silence,
and normal use is never refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from actionbot.core.ratelimit import CommandLimits

T0 = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)


def test_a_burst_then_one_polite_refusal_then_quiet_then_refilled() -> None:
    limits = CommandLimits()
    results = [limits.allow("ana", "!r", T0) for _ in range(19)]
    assert [a for a, _ in results] == [True] * 15 + [False] * 4
    assert [t for _, t in results] == [False] * 15 + [True, False, False, False]
    assert limits.allow("ana", "!r", T0 + timedelta(seconds=3)) == (True, False)
    assert limits.allow("ben", "!r", T0) == (True, False)  # another person is not slowed


def test_a_room_has_its_own_ceiling() -> None:
    limits = CommandLimits()
    allowed = [limits.allow(f"p{i}", "!r", T0)[0] for i in range(50)]
    assert allowed.count(True) == 40
    assert limits.allow("p99", "!elsewhere", T0) == (True, False)


def test_normal_use_is_never_refused() -> None:
    limits = CommandLimits()
    now = T0
    for _ in range(200):  # a command every 4 s for 13 minutes
        assert limits.allow("ana", "!r", now)[0]
        now += timedelta(seconds=4)


def test_a_steady_flood_is_told_once_not_after_every_refill() -> None:
    """Review: ten commands a second for five minutes got a refusal every 3 s (100 of
    them). Told once; told again only after the bucket has filled up (a new flood)."""
    limits = CommandLimits()
    now, told = T0, 0
    for _ in range(3000):
        told += limits.allow("ana", "!r", now)[1]
        now += timedelta(milliseconds=100)
    assert told == 1
    now += timedelta(seconds=45)  # quiet long enough to fill the bucket again
    results = [limits.allow("ana", "!r", now) for _ in range(17)]
    assert [t for _, t in results].count(True) == 1
