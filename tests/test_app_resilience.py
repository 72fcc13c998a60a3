"""What a production App must survive: forged or broken deliveries, redeliveries, races, faults."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json

from harness import SECRET, TEAM_CONFIG, Bot, World

WRITES = {"POST", "PATCH", "PUT", "DELETE"}


def failing_pr(world: World):
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG})
    world.repo.create_branch("feature")
    world.repo.commit("feature", {"src/a.py": "a = 1\n"})
    return world.emu.open_pull_request(world.repo, head="feature", base="main")


def repo_writes(world: World) -> list[str]:
    return [f"{r.method} {r.path}" for r in world.emu.requests
            if r.method in WRITES and "/access_tokens" not in r.path]


def assert_one_correct_run(world: World, head_sha: str) -> None:
    [run] = world.emu.check_runs(world.repo, head_sha)
    assert (run.status, run.conclusion) == ("completed", "failure")
    assert len(run.annotations) == 1
    assert "src/a.py" in run.output.summary


async def post(bot: Bot, body: bytes, headers: dict[str, str]) -> int:
    response = await bot.client.post("/webhooks", data=body, headers=headers)
    return response.status


async def test_forged_and_unsigned_deliveries_are_refused(bot: Bot, world: World):
    payload = world.emu.webhook_payload("pull_request", "opened", pr=failing_pr(world))
    headers, body = world.emu.sign("pull_request", payload, "not-the-secret")
    assert await post(bot, body, dict(headers)) == 401
    unsigned = {k: v for k, v in headers.items() if not k.lower().startswith("x-hub-signature")}
    assert await post(bot, body, unsigned) == 401
    headers, body = world.emu.sign("pull_request", payload, SECRET)
    assert await post(bot, body + b" ", dict(headers)) == 401  # tampered after signing
    await bot.settle()
    assert world.emu.requests == []


async def test_malformed_and_oversized_deliveries_are_refused(bot: Bot, world: World):
    headers, _ = world.emu.sign("pull_request", {}, SECRET)
    not_json = b"{not json"
    signature = "sha256=" + hmac.new(SECRET.encode(), not_json, hashlib.sha256).hexdigest()
    garbage_headers = {k: v for k, v in headers.items() if "signature" not in k.lower()}
    garbage_headers["X-Hub-Signature-256"] = signature
    assert await post(bot, not_json, garbage_headers) == 400

    huge = json.dumps({"action": "opened", "pad": "x" * (25 * 1024 * 1024)}).encode()
    headers, body = world.emu.sign("pull_request", json.loads(huge), SECRET)
    assert await post(bot, body, dict(headers)) == 413

    headers, body = world.emu.sign("pull_request", {"action": "opened"}, SECRET)
    wrong_type = {**dict(headers), "Content-Type": "text/plain"}
    assert await post(bot, body, wrong_type) == 415
    await bot.settle()
    assert world.emu.requests == []


async def test_ping_is_answered(bot: Bot, world: World):
    assert await bot.send("ping") == 200


async def test_delivery_is_acknowledged_before_it_is_processed(bot: Bot, world: World):
    pr = failing_pr(world)
    world.emu.inject("GET", r"/contents/", status=None, delay=0.5)
    payload = world.emu.webhook_payload("pull_request", "opened", pr=pr)
    assert await bot.deliver("pull_request", payload, settle=False) == 202
    assert world.emu.check_runs(world.repo, pr.head_sha) == []  # still working
    await bot.settle()
    assert_one_correct_run(world, pr.head_sha)


async def test_redelivery_of_the_same_delivery_posts_nothing_new(bot: Bot, world: World):
    pr = failing_pr(world)
    payload = world.emu.webhook_payload("pull_request", "opened", pr=pr)
    assert await bot.deliver("pull_request", payload, delivery_id="d-1") == 202
    before = len(world.emu.requests)
    assert await bot.deliver("pull_request", payload, delivery_id="d-1") == 202
    assert len(world.emu.requests) == before
    assert_one_correct_run(world, pr.head_sha)


async def test_a_new_delivery_of_the_same_event_writes_nothing(bot: Bot, world: World):
    pr = failing_pr(world)
    await bot.send("pull_request", "opened", pr=pr)
    writes = repo_writes(world)
    await bot.send("pull_request", "reopened", pr=pr)  # same verdict on the same commit
    assert repo_writes(world) == writes
    assert_one_correct_run(world, pr.head_sha)


async def test_failed_processing_is_not_lost_on_redelivery(bot: Bot, world: World):
    pr = failing_pr(world)
    world.emu.inject("GET", r"/contents/", status=503, times=4)  # outlasts every retry
    payload = world.emu.webhook_payload("pull_request", "opened", pr=pr)
    await bot.deliver("pull_request", payload, delivery_id="d-2")
    assert world.emu.check_runs(world.repo, pr.head_sha) == []
    await bot.deliver("pull_request", payload, delivery_id="d-2")  # GitHub's redelivery
    assert_one_correct_run(world, pr.head_sha)


async def test_lost_response_to_creating_the_run_does_not_create_a_second(bot: Bot, world: World):
    pr = failing_pr(world)
    world.emu.inject("POST", r"/check-runs$", status=502, after=True)
    await bot.send("pull_request", "opened", pr=pr)
    assert_one_correct_run(world, pr.head_sha)


async def test_refused_create_and_lost_update_still_end_in_one_correct_run(bot: Bot, world: World):
    pr = failing_pr(world)
    world.emu.inject("POST", r"/check-runs$", status=502)
    world.emu.inject("PATCH", r"/check-runs/\d+$", status=502, after=True)
    world.emu.inject("GET", r"/pulls/\d+/files", status=500, times=2)
    await bot.send("pull_request", "opened", pr=pr)
    assert_one_correct_run(world, pr.head_sha)


async def test_secondary_rate_limits_are_waited_out(bot: Bot, world: World):
    pr = failing_pr(world)
    world.emu.inject("POST", r"/check-runs$", status=403, headers={"retry-after": "0"})
    world.emu.inject("POST", r"/issues/\d+/comments$", status=429, headers={"retry-after": "0"})
    await bot.send("pull_request", "opened", pr=pr)
    assert_one_correct_run(world, pr.head_sha)
    assert len([c for c in world.emu.comments(world.repo, pr.number)]) == 1  # the checklist
    refused = [r.status for r in world.emu.requests if r.status in (403, 429)]
    assert refused == [403, 429]


async def test_an_exhausted_rate_limit_is_reported_not_hammered(bot: Bot, world: World):
    pr = failing_pr(world)
    await bot.send("pull_request", "opened", pr=pr)  # mints the token
    world.emu.installations[7].rate_remaining = 0
    before = len(world.emu.requests)
    await bot.send("pull_request", "edited", pr=pr, changes={"body": {"from": ""}})
    assert len(world.emu.requests) - before == 1  # one refused request, no retries
    metrics = await (await bot.client.get("/metrics")).text()
    assert 'perfbot_webhook_deliveries_total{event="pull_request.edited",outcome="failed"}' \
        in metrics


async def test_racing_events_for_one_commit_make_one_run(bot: Bot, world: World):
    pr = failing_pr(world)
    opened = world.emu.webhook_payload("pull_request", "opened", pr=pr)
    suite = world.emu.webhook_payload("check_suite", "requested", head_sha=pr.head_sha, pr=pr)
    statuses = await asyncio.gather(
        bot.deliver("pull_request", opened, settle=False),
        bot.deliver("check_suite", suite, settle=False),
        bot.deliver("pull_request", opened, settle=False),
    )
    assert statuses == [202, 202, 202]
    await bot.settle()
    assert_one_correct_run(world, pr.head_sha)


async def test_rerun_updates_the_existing_run(bot: Bot, world: World):
    pr = failing_pr(world)
    await bot.send("pull_request", "opened", pr=pr)
    [run] = world.emu.check_runs(world.repo, pr.head_sha)
    # The team fixes its rules on the base branch, then re-runs the check.
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG + "    severity: warning\n"})
    await bot.send("check_run", "rerequested", check_run=run)
    [rerun] = world.emu.check_runs(world.repo, pr.head_sha)
    assert rerun.id == run.id
    assert rerun.conclusion == "neutral"
    assert len(rerun.annotations) == 2  # GitHub keeps the old one; the new one is added once
    assert {a["annotation_level"] for a in rerun.annotations} == {"failure", "warning"}
    writes = repo_writes(world)
    await bot.send("check_run", "rerequested", check_run=rerun)
    assert repo_writes(world) == writes


async def test_check_suite_of_a_fork_pr_finds_the_pr_by_commit(bot: Bot, world: World):
    pr = failing_pr(world)
    suite = world.emu.webhook_payload("check_suite", "requested", head_sha=pr.head_sha,
                                      repo=world.repo)
    suite["check_suite"]["pull_requests"] = []  # as GitHub sends it for forks
    await bot.deliver("check_suite", suite)
    assert_one_correct_run(world, pr.head_sha)


async def test_installation_events_are_logged_and_counted(bot: Bot, world: World):
    assert await bot.send("installation", "created") == 202
    assert await bot.send("installation", "deleted") == 202
    metrics = await (await bot.client.get("/metrics")).text()
    assert 'event="installation.created",outcome="processed"' in metrics
    assert "perfbot_github_rate_limit_remaining" in metrics
    assert (await bot.client.get("/healthz")).status == 200


async def test_refused_requests_cannot_mint_metric_series(bot: Bot, world: World):
    for i in range(5):
        headers = {"X-GitHub-Event": f"made-up-{i}", "Content-Type": "application/json"}
        assert await post(bot, b"{}", headers) == 401
    metrics = await (await bot.client.get("/metrics")).text()
    assert "made-up" not in metrics
    assert 'event="(refused)",outcome="bad_signature"} 5.0' in metrics


async def test_an_unknown_event_header_cannot_grow_the_metrics(bot: Bot, world: World):
    # X-GitHub-Event is not covered by the signature: a replayed signed body with made-up
    # event names must not mint a new metric series per name.
    payload = {"action": "opened", "installation": {"id": 7}}
    for i in range(5):
        assert await bot.deliver(f"made-up-{i}", payload) == 202
    metrics = await (await bot.client.get("/metrics")).text()
    assert "made-up" not in metrics
    assert 'event="(other)"' in metrics


def test_the_state_key_never_shows_in_a_repr():
    # The HMAC key that signs perfbot's hidden state must not reach a log or a traceback
    # that prints the steward (or the reviewer and context holding it).
    from bot.app.steward import Steward
    from bot.core.review.state import derive_key

    key = derive_key("webhook-secret")
    shown = repr(Steward(1, key))
    assert repr(key) not in shown and key.hex() not in shown
