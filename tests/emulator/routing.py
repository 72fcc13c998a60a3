"""The request/answer vocabulary shared by the route handlers."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from yarl import URL

from .state import App, Installation, Repo, Token

DOCS = "https://docs.github.com/rest"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Call:
    """A request that passed the description and authentication, ready for its handler."""

    op: str
    method: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    url: URL
    installation: Installation | None = None
    app: App | None = None
    token: Token | None = None
    repo: Repo | None = None
    verdict: Any = field(default=None, repr=False)  # openapi.Verdict, for response checks

    def number(self, name: str) -> int:
        return int(self.params[name])

    @property
    def the_repo(self) -> Repo:
        assert self.repo is not None, f"{self.op} is not repository-scoped"
        return self.repo


@dataclass
class Reply:
    status: int = 200
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class Refusal(Exception):
    """GitHub refuses the request; `violation` marks requests a correct bot never makes."""

    def __init__(self, status: int, message: str, *, violation: bool = True,
                 errors: list[Any] | None = None, headers: dict[str, str] | None = None,
                 detail: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail or message  # what the violation says, when more than the answer
        self.violation = violation
        self.errors = errors
        self.headers = headers or {}

    def reply(self) -> Reply:
        data: dict[str, Any] = {"message": self.message, "documentation_url": DOCS,
                                "status": str(self.status)}
        if self.errors:
            data["errors"] = self.errors
        return Reply(self.status, data, dict(self.headers))


def not_found(message: str = "Not Found") -> Refusal:
    """A lookup that missed: a normal answer, not the bot's fault."""
    return Refusal(404, message, violation=False)


def invalid(message: str, /, **error: Any) -> Refusal:
    """GitHub's 422 for semantically invalid input."""
    return Refusal(422, message, errors=[error] if error else None)


def route(operation_id: str) -> Callable[[F], F]:
    """Mark a method as the handler for a GitHub operationId."""

    def mark(fn: F) -> F:
        fn.__operation__ = operation_id  # type: ignore[attr-defined]
        return fn

    return mark


def paginate(call: Call, items: Sequence[Any], *, cap: int | None = None, default: int = 30,
             maximum: int = 100) -> tuple[list[Any], dict[str, str]]:
    """One page of `items` (per_page default 30, silently capped at 100) and the Link header."""
    if cap is not None:
        items = items[:cap]
    per_page = min(max(int(call.query.get("per_page", default)), 1), maximum)
    page = max(int(call.query.get("page", 1)), 1)
    last = max(1, math.ceil(len(items) / per_page))
    links = []
    for rel, target, show in (("prev", page - 1, page > 1), ("next", page + 1, page < last),
                              ("last", last, page < last), ("first", 1, page > 1)):
        if show:
            links.append(f'<{call.url.update_query(page=str(target))}>; rel="{rel}"')
    chunk = list(items[(page - 1) * per_page:page * per_page])
    return chunk, ({"Link": ", ".join(links)} if links else {})
