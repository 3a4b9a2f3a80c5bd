"""Long listings in pages: a Matrix event holds at most 64 KiB, and a wall of text helps
nobody on a phone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from actionbot.render.reply import Line, Reply, code, error_reply
from actionbot.render.voice import Voice

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int  # 1-based
    count: int  # how many pages there are

    @property
    def last(self) -> bool:
        return self.number >= self.count


def page_of(entries: Sequence[T], number: int, size: int) -> Page[T] | int:
    """Page ``number`` of ``entries``; or, if there is no such page, how many there are."""
    count = max(1, -(-len(entries) // size))
    if not 1 <= number <= count:
        return count
    return Page(items=entries[(number - 1) * size : number * size], number=number, count=count)


def no_such_page(voice: Voice, pages: int, command: str) -> Reply:
    """``command`` is the listing's command with its prefix, e.g. ``!windows``."""
    return error_reply(
        voice._("Choose a page from 1 to {pages}.", pages=pages),
        voice._("Example: {command}", command=code(f"{command} 1")),
    )


def next_page(voice: Voice, page: Page, command: str) -> Line:
    return voice._("Next page: {command}", command=code(f"{command} {page.number + 1}"))


def page_number(args: tuple[str, ...]) -> int:
    """The page asked for (1 if none); 0 (refused, with the page count) if unreadable."""
    if not args:
        return 1
    if len(args) > 1 or not args[0].isascii() or not args[0].isdigit() or len(args[0]) > 6:
        return 0
    return int(args[0])
