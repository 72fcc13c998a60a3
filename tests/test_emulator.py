"""The GitHub emulator is strict and right: what a bot author relies on when it says "passed"."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import gidgethub
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from emulator import Emulator, PullRequest, Repo, app_jwt, app_keys
from gidgethub import apps, sansio
from gidgethub.aiohttp import GitHubAPI

APP_ID = 42
INSTALLATION = 7
ROOT = "/repos/octo-org/service"


@dataclass
class World:
    emu: Emulator
    session: aiohttp.ClientSession
    gh: GitHubAPI  # authenticated with an installation token
    repo: Repo
    pr: PullRequest
    token: str

    def anonymous(self) -> GitHubAPI:
        return GitHubAPI(self.session, "perfbot-tests", base_url=self.emu.api)

    def url(self, path: str) -> str:
        return self.emu.api + path


@pytest_asyncio.fixture
async def world(emulator: Emulator) -> AsyncIterator[World]:
    keys = app_keys()
    emulator.register_app(keys.public_pem, app_id=APP_ID)
    emulator.add_installation(INSTALLATION, "octo-org")
    repo = emulator.add_repo("octo-org/service", installation_id=INSTALLATION)
    repo.commit("main", {"src/app.py": "def f():\n    return 1\n", "docs/old.md": "# Moved\n"})
    repo.create_branch("feature")
    repo.commit("feature", {"src/app.py": "def f():\n    return 2\n"}, message="faster")
    pr = emulator.open_pull_request(repo, head="feature", base="main", title="Speed up",
                                    body="Makes f faster", labels=["perf"])
    async with aiohttp.ClientSession() as session:
        gh = GitHubAPI(session, "perfbot-tests", base_url=emulator.api)
        token = await apps.get_installation_access_token(
            gh, installation_id=str(INSTALLATION), app_id=str(APP_ID),
            private_key=keys.private_pem)
        authed = GitHubAPI(session, "perfbot-tests", oauth_token=token["token"],
                           base_url=emulator.api)
        yield World(emulator, session, authed, repo, pr, token["token"])


def annotation(line: int) -> dict[str, object]:
    return {"path": "src/app.py", "start_line": line, "end_line": line,
            "annotation_level": "warning", "message": f"slow line {line}"}


# --- authentication


async def test_installation_token_needs_a_jwt_signed_by_the_registered_app(world: World) -> None:
    emu, gh = world.emu, world.anonymous()
    path = f"/app/installations/{INSTALLATION}/access_tokens"
    good = app_jwt(APP_ID, app_keys().private_pem)
    token = await gh.post(path, data={}, jwt=good)
    assert token["token"].startswith("ghs_") and token["expires_at"].endswith("Z")
    assert token["repository_selection"] == "all" and token["permissions"]["checks"] == "write"
    assert emu.requests[-1].charged is False  # app (JWT) calls do not spend the installation budget

    now = int(time.time())
    rogue = app_jwt(APP_ID, app_keys("rogue").private_pem)
    expired = app_jwt(APP_ID, app_keys().private_pem, iat=now - 1200)
    too_long = app_jwt(APP_ID, app_keys().private_pem, iat=now - 30, lifetime=900)
    future = app_jwt(APP_ID, app_keys().private_pem, iat=now + 300)
    for bad in (rogue, expired, too_long, future):
        with emu.expect_violations("-> 401"), pytest.raises(gidgethub.BadRequest) as err:
            await gh.post(path, data={}, jwt=bad)
        assert err.value.status_code == 401
    with emu.expect_violations("-> 401"), pytest.raises(gidgethub.BadRequest) as err:
        await gh.post(path, data={}, oauth_token=world.token)  # a token is not a JWT
    with emu.expect_violations("-> 404"), pytest.raises(gidgethub.BadRequest) as err:
        await gh.post("/app/installations/999/access_tokens", data={}, jwt=good)
    assert err.value.status_code == 404
    assert (await gh.getitem("/app", jwt=good))["id"] == APP_ID


async def test_repo_calls_need_an_unexpired_installation_token(world: World) -> None:
    emu = world.emu
    assert (await world.gh.getitem(ROOT))["full_name"] == "octo-org/service"
    cases: list[tuple[GitHubAPI, dict[str, Any], int]] = [
        (world.anonymous(), {}, 401),  # no token at all
        (world.anonymous(), {"jwt": app_jwt(APP_ID, app_keys().private_pem)}, 401),
        (world.anonymous(), {"oauth_token": "ghs_made_up"}, 401),
    ]
    for gh, auth, status in cases:
        with emu.expect_violations(f"-> {status}"), pytest.raises(gidgethub.BadRequest) as err:
            await gh.getitem(ROOT, **auth)
        assert err.value.status_code == status
    emu.add_repo("other-org/secret")  # exists, but not in this installation
    with emu.expect_violations("not accessible to installation"), pytest.raises(
            gidgethub.BadRequest) as err:
        await world.gh.getitem("/repos/other-org/secret")
    assert err.value.status_code == 404
    emu.advance(3601)  # installation tokens live one hour
    with emu.expect_violations("expired"), pytest.raises(gidgethub.BadRequest) as err:
        await world.gh.getitem(ROOT)
    assert err.value.status_code == 401


# --- the description and GitHub's rules


async def test_invalid_check_runs_are_refused_and_recorded(world: World) -> None:
    emu, gh, sha = world.emu, world.gh, world.pr.head_sha
    output = {"title": "Perf", "summary": "s"}
    bad_bodies = {
        "fails maxItems": {"name": "perf", "head_sha": sha,
                           "output": {**output, "annotations": [annotation(1)] * 51}},
        "conclusion": {"name": "perf", "head_sha": sha, "status": "completed"},
        "start_column": {"name": "perf", "head_sha": sha, "output": {**output, "annotations": [
            {**annotation(1), "end_line": 3, "start_column": 1, "end_column": 2}]}},
        "not one of": {"name": "perf", "head_sha": sha, "status": "done"},
        "No commit found": {"name": "perf", "head_sha": "0" * 40},
    }
    for fragment, body in bad_bodies.items():
        with emu.expect_violations(fragment) as caught, pytest.raises(gidgethub.BadRequest) as err:
            await gh.post(f"{ROOT}/check-runs", data=body)
        assert err.value.status_code == 422, caught
    assert emu.check_runs(world.repo) == []
    assert [r.status for r in emu.requests[-len(bad_bodies):]] == [422] * len(bad_bodies)
    assert emu.requests[-1].operation_id == "checks/create"

    with emu.expect_violations("no such endpoint"), pytest.raises(gidgethub.BadRequest) as err:
        await gh.post(f"{ROOT}/check-run", data={"name": "perf", "head_sha": sha})
    assert err.value.status_code == 404 and emu.requests[-1].operation_id is None
    with emu.expect_violations("silently ignores body field 'conclsion'"):
        await gh.post(f"{ROOT}/check-runs", data={"name": "perf", "head_sha": sha,
                                                 "conclsion": "success"})
    with emu.expect_violations("body is too long"), pytest.raises(gidgethub.BadRequest):
        await gh.post(f"{ROOT}/issues/{world.pr.number}/comments", data={"body": "x" * 65_537})


async def test_annotations_append_across_updates(world: World) -> None:
    emu, gh = world.emu, world.gh
    run = await gh.post(f"{ROOT}/check-runs", data={
        "name": "perf", "head_sha": world.pr.head_sha, "status": "in_progress",
        "output": {"title": "Perf", "summary": "1/3",
                   "annotations": [annotation(i) for i in range(1, 51)]}})
    for n in (2, 3):
        await gh.patch(f"{ROOT}/check-runs/{run['id']}", data={
            "output": {"title": "Perf", "summary": f"{n}/3",
                       "annotations": [annotation(i) for i in range(1, 26)]}})
    done = await gh.patch(f"{ROOT}/check-runs/{run['id']}", data={"conclusion": "neutral"})
    assert done["status"] == "completed" and done["completed_at"]
    [stored] = emu.check_runs(world.repo, world.pr.head_sha)
    assert len(stored.annotations) == 100 and stored.output.summary == "3/3"
    assert stored.app_id == APP_ID and done["app"]["id"] == APP_ID
    listed = [a async for a in gh.getiter(f"{ROOT}/check-runs/{run['id']}/annotations")]
    assert len(listed) == 100 and done["output"]["annotations_count"] == 100


# --- HTTP behaviour


async def test_etag_revalidation_answers_304_and_is_not_charged(world: World) -> None:
    headers = {"Authorization": f"token {world.token}", "User-Agent": "perfbot-tests"}
    async with world.session.get(world.url(ROOT), headers=headers) as first:
        etag, left = first.headers["ETag"], int(first.headers["x-ratelimit-remaining"])
        assert first.status == 200 and first.headers["x-ratelimit-resource"] == "core"
    async with world.session.get(world.url(ROOT),
                                 headers={**headers, "If-None-Match": etag}) as again:
        assert again.status == 304 and await again.read() == b""
        assert int(again.headers["x-ratelimit-remaining"]) == left
    assert [(r.status, r.charged) for r in world.emu.requests[-2:]] == [(200, True), (304, False)]
    world.emu.installations[INSTALLATION].rate_remaining = 1
    async with world.session.get(world.url(ROOT), headers=headers) as last:
        assert last.status == 200 and last.headers["x-ratelimit-remaining"] == "0"
    with pytest.raises(gidgethub.RateLimitExceeded):  # primary limit: 403, not a violation
        await world.gh.getitem(ROOT)
    world.emu.installations[INSTALLATION].rate_reset = 0  # the hourly window rolls over
    world.repo.commit("main", {"new.txt": "x"})  # content changed: the old ETag is stale
    async with world.session.get(world.url(f"{ROOT}/contents/new.txt"),
                                 headers={**headers, "If-None-Match": etag}) as changed:
        assert changed.status == 200
        assert changed.headers["x-ratelimit-remaining"] == "4999"


async def test_pagination_follows_github_link_headers(world: World) -> None:
    for n in range(65):
        world.emu.open_issue(world.repo, f"issue {n}")
    headers = {"Authorization": f"token {world.token}", "User-Agent": "perfbot-tests"}
    async with world.session.get(world.url(f"{ROOT}/issues?per_page=30"),
                                 headers=headers) as first:
        assert len(await first.json()) == 30
        assert "page=2" in str(first.links["next"]["url"])
        assert "page=3" in str(first.links["last"]["url"])
    async with world.session.get(world.url(f"{ROOT}/issues?per_page=30&page=3"),
                                 headers=headers) as last:
        assert len(await last.json()) == 6  # 65 issues + the pull request
        assert set(last.links) == {"prev", "first"}
    everything = [i async for i in world.gh.getiter(f"{ROOT}/issues?per_page=100&state=all")]
    assert len(everything) == 66
    big = [i async for i in world.gh.getiter(f"{ROOT}/issues?per_page=1000")]
    assert len(big) == 66 and world.emu.requests[-1].query["per_page"] == "1000"


async def test_pull_request_files_are_diffed_like_github(world: World) -> None:
    repo, emu = world.repo, world.emu
    repo.commit("feature", {
        "docs/old.md": None, "docs/guide/moved.md": "# Moved\n",  # exact content: a rename
        "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00",                 # NUL bytes: binary
        "tail.txt": "one\ntwo",                                     # no trailing newline
    })
    files = {f["filename"]: f async for f in world.gh.getiter(f"{ROOT}/pulls/1/files")}
    assert files["src/app.py"]["status"] == "modified"
    assert files["src/app.py"]["patch"] == (
        "@@ -1,2 +1,2 @@\n def f():\n-    return 1\n+    return 2")
    assert (files["src/app.py"]["additions"], files["src/app.py"]["deletions"]) == (1, 1)
    moved = files["docs/guide/moved.md"]
    assert moved["status"] == "renamed" and moved["previous_filename"] == "docs/old.md"
    assert "docs/old.md" not in files
    assert files["logo.png"]["status"] == "added" and "patch" not in files["logo.png"]
    assert files["tail.txt"]["patch"] == (
        "@@ -0,0 +1,2 @@\n+one\n+two\n\\ No newline at end of file")
    pr = await world.gh.getitem(f"{ROOT}/pulls/1")
    assert pr["head"]["sha"] == world.pr.head_sha == repo.branches["feature"]
    assert (pr["commits"], pr["changed_files"]) == (2, 4)
    content = await world.gh.getitem(f"{ROOT}/contents/logo.png?ref=feature")
    assert base64.b64decode(content["content"]) == b"\x89PNG\r\n\x1a\n\x00\x00"
    assert content["sha"] == "45a21f14508d7b08cb5cbeb662de2364b6f90584"  # `git hash-object`
    with pytest.raises(gidgethub.BadRequest) as err:  # a missing file is a plain 404
        await world.gh.getitem(f"{ROOT}/contents/nope.txt")
    assert err.value.status_code == 404 and emu.violations == []


# --- faults and webhooks


async def test_lost_response_after_applying_state_does_not_hide_the_check_run(
        world: World) -> None:
    emu, gh = world.emu, world.gh
    emu.inject("POST", r"/check-runs$", status=502, after=True)
    with pytest.raises(gidgethub.GitHubBroken):
        await gh.post(f"{ROOT}/check-runs", data={"name": "perf", "head_sha": world.pr.head_sha})
    assert len(emu.check_runs(world.repo)) == 1 and emu.requests[-1].status == 502
    listed = await gh.getitem(f"{ROOT}/commits/{world.pr.head_sha}/check-runs?check_name=perf")
    assert listed["total_count"] == 1  # a careful bot finds it instead of creating a duplicate

    emu.inject("GET", r"/pulls/1$", status=403, headers={"retry-after": "1"})
    with pytest.raises(gidgethub.BadRequest) as err:
        await gh.getitem(f"{ROOT}/pulls/1")
    assert err.value.status_code == 403 and "secondary rate limit" in str(err.value)
    assert (await gh.getitem(f"{ROOT}/pulls/1"))["number"] == 1  # only `times` requests fail


async def test_signed_delivery_verifies_and_reflects_state(world: World) -> None:
    emu, pr = world.emu, world.pr
    payload = emu.webhook_payload("pull_request", "synchronize", pr=pr)
    headers, body = emu.sign("pull_request", payload, "s3cret", delivery_id="d-1")
    event = sansio.Event.from_http(headers, body, secret="s3cret")
    assert (event.event, event.delivery_id) == ("pull_request", "d-1")
    assert event.data["installation"]["id"] == INSTALLATION
    assert event.data["pull_request"]["head"]["sha"] == event.data["after"] == pr.head_sha
    assert [lbl["name"] for lbl in event.data["pull_request"]["labels"]] == ["perf"]
    assert event.data["repository"]["full_name"] == "octo-org/service"
    with pytest.raises(gidgethub.ValidationFailure):
        sansio.Event.from_http(headers, body, secret="wrong")
    suite = emu.webhook_payload("check_suite", "requested", repo=world.repo,
                                head_sha=pr.head_sha)
    assert suite["check_suite"]["pull_requests"][0]["number"] == pr.number


async def test_every_answer_matches_the_description(world: World) -> None:
    """A tour of all routes with the emulator checking its own answers against the spec."""
    emu, gh, n = world.emu, world.gh, world.pr.number
    emu.check_responses = True
    run = await gh.post(f"{ROOT}/check-runs", data={"name": "perf", "head_sha": world.pr.head_sha})
    comment = await gh.post(f"{ROOT}/issues/{n}/comments", data={"body": "hi"})
    issue = await gh.post(f"{ROOT}/issues", data={"title": "Regression", "labels": ["perf"]})
    art = emu.add_workflow_run(world.repo, world.pr.head_sha, artifacts={"bench": b"PK\x05\x06"})
    for path in [ROOT, f"{ROOT}/contents/src/app.py", f"{ROOT}/contents/src",
                 f"{ROOT}/commits/{world.pr.head_sha}", f"{ROOT}/compare/main...feature",
                 f"{ROOT}/commits/{world.pr.head_sha}/pulls", f"{ROOT}/pulls", f"{ROOT}/pulls/{n}",
                 f"{ROOT}/pulls/{n}/files", f"{ROOT}/pulls/{n}/commits",
                 f"{ROOT}/check-runs/{run['id']}", f"{ROOT}/commits/feature/check-runs",
                 f"{ROOT}/issues/{n}/comments", f"{ROOT}/issues/comments/{comment['id']}",
                 f"{ROOT}/issues/{issue['number']}", f"{ROOT}/issues?state=all",
                 "/search/issues?q=repo:octo-org/service+is:issue+Regression",
                 f"{ROOT}/git/trees/feature?recursive=1",
                 f"{ROOT}/actions/workflows/benchmark.yml/runs",
                 f"{ROOT}/actions/runs/{art.id}/artifacts",
                 f"{ROOT}/collaborators/octocat/permission"]:
        await gh.getitem(path)
    await gh.patch(f"{ROOT}/issues/{issue['number']}", data={"state": "closed"})
    await gh.post(f"{ROOT}/issues/{n}/labels", data={"labels": ["x"]})
    await gh.delete(f"{ROOT}/issues/{n}/labels/x")
    edited = await gh.patch(f"{ROOT}/issues/comments/{comment['id']}", data={"body": "edited"})
    assert edited["body"] == "edited"  # GitHub answers with the comment as it now stands
    await gh.post(f"{ROOT}/issues/comments/{comment['id']}/reactions", data={"content": "+1"})
    await gh.post(f"{ROOT}/labels", data={"name": "performance-mitigation"})
    emu.set_permission(world.repo, "maria", "maintain")
    maria = await gh.getitem(f"{ROOT}/collaborators/maria/permission")
    assert (maria["permission"], maria["role_name"]) == ("write", "maintain")
    assert maria["user"]["permissions"] == {"admin": False, "maintain": True, "push": True,
                                            "triage": True, "pull": True}
    emu.add_team_member("octo-org", "perf", "tina", state="pending")
    member = await gh.getitem("/orgs/octo-org/teams/perf/memberships/tina")
    assert member["state"] == "pending"
    await gh.delete(f"{ROOT}/issues/comments/{comment['id']}")
    headers = {"Authorization": f"token {world.token}", "User-Agent": "perfbot-tests"}
    url = world.url(f"{ROOT}/actions/artifacts/{art.artifacts[0].id}/zip")
    async with world.session.get(url, headers=headers) as download:  # follows the 302
        assert download.history[0].status == 302 and await download.read() == b"PK\x05\x06"
    assert emu.violations == []


# --- the App's webhook: deliveries recorded, listed and redelivered


async def test_deliveries_are_recorded_and_redelivered_with_the_same_guid(world: World) -> None:
    emu, app = world.emu, world.anonymous()
    received: list[tuple[str, int]] = []
    answers = iter([503, 202, 202])

    async def hook(request: web.Request) -> web.Response:
        event = sansio.Event.from_http(request.headers, await request.read(), secret="s3cret")
        status = next(answers)
        received.append((event.delivery_id, status))
        return web.Response(status=status)

    receiver = web.Application()
    receiver.router.add_post("/webhooks", hook)
    async with TestServer(receiver, host="127.0.0.1") as server:
        emu.hook_url, emu.hook_secret = str(server.make_url("/webhooks")), "s3cret"
        payload = emu.webhook_payload("pull_request", "opened", pr=world.pr)
        first = await emu.deliver("pull_request", payload, delivery_id="guid-1")
        assert (first.status_code, first.status) == (503, "Invalid HTTP Response: 503")

        jwt = app_jwt(APP_ID, app_keys().private_pem)
        [listed] = await app.getitem("/app/hook/deliveries", jwt=jwt)
        assert listed["guid"] == "guid-1" and listed["status_code"] == 503
        assert (listed["event"], listed["action"]) == ("pull_request", "opened")
        assert listed["installation_id"] == INSTALLATION and listed["redelivery"] is False
        await app.post(f"/app/hook/deliveries/{listed['id']}/attempts", data={}, jwt=jwt)
        await emu.delivered()
        assert received == [("guid-1", 503), ("guid-1", 202)]  # the same event, again

        newest, oldest = await app.getitem("/app/hook/deliveries", jwt=jwt)
        assert (newest["guid"], newest["redelivery"], newest["status"]) == ("guid-1", True, "OK")
        assert oldest["id"] == listed["id"]
        await emu.deliver("ping", emu.webhook_payload("ping"))
        failures = await app.getitem("/app/hook/deliveries?status=failure", jwt=jwt)
        assert [d["id"] for d in failures] == [listed["id"]]
        paged = [d["id"] async for d in app.getiter("/app/hook/deliveries?per_page=2", jwt=jwt)]
        assert paged == [d.id for d in reversed(emu.deliveries)]  # newest first, by cursor

    down = await emu.deliver("pull_request", payload)  # nothing listens there any more
    assert (down.status_code, down.status) == (0, "failed to connect to host")
    assert emu.requests[-1].charged is False  # the App's own calls, with its JWT


async def test_deliveries_need_the_apps_jwt_and_a_delivery_of_the_last_three_days(
        world: World) -> None:
    emu, app = world.emu, world.anonymous()
    emu.hook_url = None  # the App's webhook points nowhere yet: every delivery fails
    failed = await emu.deliver("ping", emu.webhook_payload("ping"))
    assert failed.status == "failed to connect to host"
    with emu.expect_violations("A JSON web token could not be decoded"):
        with pytest.raises(gidgethub.BadRequest) as denied:
            await world.gh.getitem("/app/hook/deliveries")
        assert denied.value.status_code == 401
    emu.advance(3 * 24 * 3600 + 60)
    jwt = app_jwt(APP_ID, app_keys().private_pem, iat=int(emu.time()) - 30)
    with emu.expect_violations("older than three days"):
        with pytest.raises(gidgethub.BadRequest) as late:
            await app.post(f"/app/hook/deliveries/{failed.id}/attempts", data={}, jwt=jwt)
        assert late.value.status_code == 422
    assert emu.attempts(failed.guid) == [failed]
