"""Roundups as people read them: the coordination room's message (HTML + plain text) and
the offline page and Markdown, from Jinja2 templates (autoescaped HTML) that a deployment
may override (``roundups.templates``: a folder with files of the same names). Every word
around the data comes from the catalogs, as ``t.*`` labels."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

from actionbot.core.windows import Window
from actionbot.render.reply import Reply, bold, code, error_reply, reply
from actionbot.render.voice import Voice
from actionbot.roundup import geometry
from actionbot.roundup.model import Roundup


@cache
def environment(override: Path | None, *, markdown: bool = False) -> Environment:
    """HTML templates autoescape; the Markdown one escapes every value it prints
    (``finalize``): a caption must not become a remote image a viewer fetches, raw HTML
    or a ``javascript:`` link."""
    loaders: list = [PackageLoader("actionbot", "roundup/templates")]
    if override is not None:
        loaders.insert(0, FileSystemLoader(str(override)))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=lambda name: bool(name) and name.endswith(".html"),
        undefined=StrictUndefined,  # a typo in an override fails loudly, in the test suite
        keep_trailing_newline=True,
        finalize=markdown_text if markdown else None,
    )


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()<>#+!|~"})


def markdown_text(value: object) -> object:
    """Markdown-inert text: its punctuation escaped, one line (a newline would end a
    quote or start a heading). Numbers and file names pass as they are."""
    if not isinstance(value, str):
        return value
    return " ".join(value.split()).translate(_MARKDOWN)


def labels(voice: Voice, roundup: Roundup) -> dict[str, str]:
    s = voice.s
    nodes = len(roundup.nodes)
    reports = sum(p.reports for p in roundup.nodes) + 0
    return {
        "title": s(voice._("Roundup: {title}", title=roundup.title)),
        "draft": s(voice._("Draft")),
        "summary": s(
            voice.ngettext(
                "{count} node took part; {reports} reports, {photos} photos shown.",
                "{count} nodes took part; {reports} reports, {photos} photos shown.",
                nodes,
                reports=reports,
                photos=roundup.photos,
            )
        ),
        "rsvps": s(voice._("taking part")),
        "reports": s(voice._("reports")),
        "adaptation": s(voice._("Adaptation")),
        "local_start": s(voice._("Local start")),
        "timeline": s(voice._("The window across time (UTC)")),
        "world": s(voice._("The nodes by time zone")),
        "words": s(voice._("Words from the nodes")),
        "photos_below": s(voice._("The photos follow in this thread.")),
    }


def message(
    voice: Voice, roundup: Roundup, *, draft: bool, override: Path | None
) -> tuple[str, str]:
    """(HTML, plain text) of the coordination room's roundup message."""
    env = environment(override)
    values = {"roundup": roundup, "t": labels(voice, roundup), "draft": draft}
    return (
        env.get_template("message.html").render(values),
        env.get_template("message.txt").render(values),
    )


def page(
    voice: Voice, roundup: Roundup, images: dict[str, str], *, override: Path | None
) -> tuple[str, str]:
    """(index.html, roundup.md). ``images`` maps a photo's hash to its data: URI."""
    env = environment(override)
    marks = [
        {"x": round(20 + (h + 12) / 26 * (geometry.WIDTH - 40), 1), "label": f"{h:+d}"}
        for h in range(-12, 15, 3)
    ]
    shape: dict[str, Any] = {
        "width": geometry.WIDTH,
        "bars": geometry.timeline(roundup),
        "timeline_height": geometry.height(len(roundup.nodes)),
        "dots": geometry.world(roundup),
        "world_height": 60 + 16 * max(1, len(roundup.nodes)),
        "marks": marks,
    }
    values = {
        "roundup": roundup,
        "t": labels(voice, roundup),
        "geometry": shape,
        "images": images,
        "lang": voice.language,
    }
    return (
        env.get_template("page.html").render(values),
        environment(override, markdown=True).get_template("roundup.md").render(values),
    )


def only_coordinators(voice: Voice) -> Reply:
    return error_reply(voice._("Roundups are compiled by coordinators, in the coordination room."))


def not_run(voice: Voice, window: Window) -> Reply:
    return error_reply(
        voice._("Window {id} was not approved: there is nothing to compile.", id=code(window.id))
    )


def posted(voice: Voice, window: Window, *, kept: bool) -> Reply:
    lines: list = [voice._("The roundup of {title} follows.", title=bold(window.title))]
    if kept:
        lines.append(voice._("Its photos are kept beyond the usual retention time."))
    return reply(*lines)
