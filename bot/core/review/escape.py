"""User text in perfbot's comments and issues: shown literally, never as structure.

A reason or plan is someone's words: it must not open an HTML comment (perfbot's
hidden markers live in those), draw a checkbox, close a table, or mention a team.
"""

from __future__ import annotations

import html
import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")


def inline(text: str) -> str:
    """``text`` as literal Markdown on one line (line breaks become ``<br>``)."""
    escaped = html.escape(text.replace("\r", ""), quote=False)
    escaped = _MARKDOWN.sub(r"\\\1", escaped)
    escaped = _MENTION.sub("@\u200b", escaped)
    return "<br>".join(escaped.split("\n"))


def block(text: str) -> str:
    """``text`` as a literal Markdown block quote, its lines kept."""
    lines = text.replace("\r", "").split("\n")
    return "\n".join("> " + inline(line) if line.strip() else ">" for line in lines)


def login(name: str) -> str:
    """A GitHub login or ``org/team`` as a mention; anything else shown literally."""
    bare = name.lstrip("@")
    if re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9][A-Za-z0-9._-]{0,99})?"
                    r"(?:\[bot\])?", bare):
        return "@" + bare
    return inline(name)


def code(text: str) -> str:
    """``text`` in a code span that it cannot close."""
    # Code spans show ``<`` and ``&`` literally, so they stay as typed (an id copied from the
    # span must be the id); only a hidden-marker opener or closer is broken up.
    clean = text.replace("\n", " ").replace("<!--", "<\u200c!--").replace("-->", "-\u200c->")
    fence = "`" * (max((len(m) for m in re.findall(r"`+", clean)), default=0) + 1)
    pad = " " if clean.startswith("`") or clean.endswith("`") else ""
    return f"{fence}{pad}{clean}{pad}{fence}"
