"""Publish a check run so that it converges on the wanted state, whatever happened before.

A run is created with its verdict in one request (completed, or in progress while the
verdict waits for CI). GitHub can apply a write and still answer 502. Rather than
repeating writes blindly, every retry reads the check run back and sends only what is
missing, so a redelivery, a re-run or a retry after a lost response never adds a second
check run or a second copy of an annotation. Whether a commit has a run yet is the
caller's to know (``bot.app.ledger``) or ask (``find``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from bot.core.render import CheckOutput, annotation
from bot.core.results import Conclusion
from bot.github.client import GitHub, converge

log = logging.getLogger(__name__)

ANNOTATIONS_PER_REQUEST = 50  # GitHub refuses more in one create or update
PARTIAL = "perfbot:partial"  # a run whose annotations are still being appended
# Buttons on the check run (GitHub allows three); a click arrives as requested_action.
ACTIONS = (
    {"label": "Re-run", "description": "Evaluate this pull request again", "identifier": "rerun"},
)


@dataclass(frozen=True, slots=True)
class CheckRun:
    id: int
    status: str
    external_id: str
    annotations_count: int
    started_at: str = ""

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> CheckRun:
        return cls(
            id=int(item["id"]),
            status=item.get("status") or "",
            external_id=item.get("external_id") or "",
            annotations_count=int((item.get("output") or {}).get("annotations_count") or 0),
            started_at=item.get("started_at") or "",
        )


def digest(output: CheckOutput, conclusion: Conclusion) -> str:
    """A fingerprint of a verdict, kept in the run's external_id to skip needless writes."""
    body = {
        "conclusion": conclusion.value,
        "title": output.title,
        "summary": output.summary,
        "text": output.text,
        "annotations": [annotation(f) for f in output.annotations],
    }
    blob = json.dumps(body, sort_keys=True, ensure_ascii=False).encode()
    return "perfbot:" + hashlib.sha256(blob).hexdigest()[:32]


def shows(run: CheckRun, output: CheckOutput, conclusion: Conclusion | None) -> bool:
    """Whether the run shows this verdict (``conclusion`` None: this wait) already."""
    if conclusion is None:
        return run.status == "in_progress" and run.external_id == _waiting(output)
    return run.status == "completed" and run.external_id == digest(output, conclusion)


async def find(gh: GitHub, repo: str, head_sha: str, name: str, app_id: int) -> CheckRun | None:
    query = urlencode({"check_name": name, "filter": "all", "app_id": app_id, "per_page": 100})
    data = await gh.getitem(f"/repos/{repo}/commits/{head_sha}/check-runs?{query}")
    runs = [r for r in data.get("check_runs", []) if (r.get("app") or {}).get("id") == app_id]
    if not runs:
        return None
    if len(runs) > 1:
        log.warning("%s@%s has %d check runs named %r; using the oldest",
                    repo, head_sha[:12], len(runs), name)
    return CheckRun.from_api(min(runs, key=lambda r: int(r["id"])))


async def create(gh: GitHub, repo: str, head_sha: str, name: str, app_id: int,
                 body: dict[str, Any]) -> CheckRun:
    """A new run for the commit, ``body`` (``completed_body``, ``waiting_body``) in one request.

    The caller knows the commit has no run yet (it recorded its intent first). A 5xx may
    still have created it, so a retry looks before it creates again.
    """
    retrying = False

    async def attempt() -> CheckRun:
        nonlocal retrying
        if retrying:
            existing = await find(gh, repo, head_sha, name, app_id)
            if existing is not None:
                return existing
        retrying = True
        created = await gh.post(f"/repos/{repo}/check-runs",
                                data={"name": name, "head_sha": head_sha, **body})
        return CheckRun.from_api(created)

    return await converge(gh, attempt)


def completed_body(output: CheckOutput, conclusion: Conclusion) -> dict[str, Any]:
    """A run created with its verdict: completed at once, in one request when its
    annotations fit in one (more are appended by ``complete``, which then sets the
    fingerprint, so a pass cut short there is finished by the next)."""
    annotations = [annotation(f) for f in output.annotations]
    whole = len(annotations) <= ANNOTATIONS_PER_REQUEST
    now = _now()
    return {
        "status": "completed",
        "conclusion": conclusion.value,
        "started_at": now,
        "completed_at": now,
        "external_id": digest(output, conclusion) if whole else PARTIAL,
        "output": {**_text(output), "annotations": annotations if whole else []},
        "actions": list(ACTIONS),
    }


def waiting_body(output: CheckOutput) -> dict[str, Any]:
    """A run created in progress: the verdict waits for CI's results."""
    return {"status": "in_progress", "started_at": _now(),
            "external_id": _waiting(output), "output": _text(output)}


async def complete(
    gh: GitHub,
    repo: str,
    run: CheckRun,
    output: CheckOutput,
    conclusion: Conclusion,
) -> CheckRun | None:
    """Bring the run to the verdict: the run as it then stands, or None when it already
    showed exactly that."""
    wanted = digest(output, conclusion)
    current = run

    async def attempt() -> CheckRun | None:
        nonlocal current
        if current is not run:  # a retry: read back what the failed attempt left
            item = await gh.getitem(f"/repos/{repo}/check-runs/{run.id}")
            current = CheckRun.from_api(item)
        if shows(current, output, conclusion):
            return None
        missing = await _missing_annotations(gh, repo, current, output)
        count = current.annotations_count + len(missing)
        batches = [
            missing[i : i + ANNOTATIONS_PER_REQUEST]
            for i in range(0, len(missing), ANNOTATIONS_PER_REQUEST)
        ] or [[]]
        text = _text(output)
        for batch in batches[:-1]:
            current = _touched(current)
            await gh.patch(
                f"/repos/{repo}/check-runs/{run.id}",
                data={"output": {**text, "annotations": batch}},
            )
        current = _touched(current)
        await gh.patch(
            f"/repos/{repo}/check-runs/{run.id}",
            data={
                "status": "completed",
                "conclusion": conclusion.value,
                "completed_at": _now(),
                "external_id": wanted,
                "output": {**text, "annotations": batches[-1]},
                "actions": list(ACTIONS),
            },
        )
        return CheckRun(run.id, "completed", wanted, count, run.started_at)

    return await converge(gh, attempt)


async def progress(gh: GitHub, repo: str, run: CheckRun,
                   output: CheckOutput) -> CheckRun | None:
    """Show ``output`` on a run that is still in progress (waiting for CI results).

    Annotations wait for the verdict. Returns the run as it then stands, or None when it
    already showed this.
    """
    if shows(run, output, None):
        return None
    wanted = _waiting(output)
    await converge(
        gh,
        lambda: gh.patch(
            f"/repos/{repo}/check-runs/{run.id}",
            data={"status": "in_progress", "external_id": wanted, "output": _text(output)},
        ),
    )
    return CheckRun(run.id, "in_progress", wanted, run.annotations_count, run.started_at)


def _waiting(output: CheckOutput) -> str:
    return "perfbot:waiting:" + digest(output, Conclusion.NEUTRAL)[len("perfbot:"):][:24]


def _text(output: CheckOutput) -> dict[str, Any]:
    text = {"title": output.title, "summary": output.summary}
    if output.text:
        text["text"] = output.text
    return text


async def _missing_annotations(
    gh: GitHub, repo: str, run: CheckRun, output: CheckOutput
) -> list[dict[str, Any]]:
    """GitHub only appends annotations, so send those the run does not show already."""
    wanted = [annotation(f) for f in output.annotations]
    if run.annotations_count == 0:
        return wanted
    have: Counter[tuple[Any, ...]] = Counter()
    async for item in gh.getiter(f"/repos/{repo}/check-runs/{run.id}/annotations?per_page=100"):
        have[_key(item)] += 1
    missing = []
    for item in wanted:
        key = _key(item)
        if have[key]:
            have[key] -= 1
        else:
            missing.append(item)
    return missing


def _key(item: dict[str, Any]) -> tuple[Any, ...]:
    return (
        item.get("path"),
        item.get("start_line"),
        item.get("end_line"),
        item.get("annotation_level"),
        item.get("message"),
        item.get("title") or None,
    )


def _touched(run: CheckRun) -> CheckRun:
    """After a write whose answer may be lost, assume annotations may be there."""
    return CheckRun(run.id, "", "", max(run.annotations_count, 1))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
