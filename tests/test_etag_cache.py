"""GitHub's answers kept for free 304s: sized by what is active, never shared across
installations."""

from __future__ import annotations

from harness import TEAM_CONFIG, Bot, World

from bot.github.etags import ENTRY_OVERHEAD, ETagCache


async def test_a_hundred_active_pull_requests_are_all_read_again_for_free(bot: Bot,
                                                                         world: World):
    # 256 entries per installation held some 80 pull requests (each keeps its pull request,
    # files and comments); going round a hundred of them evicted each before its turn.
    world.repo.commit("main", {".github/performance.yml": TEAM_CONFIG})
    pulls = []
    for n in range(100):
        world.repo.create_branch(f"feature-{n}")
        world.repo.commit(f"feature-{n}", {f"src/m{n}.py": "x = 1\n"})
        pulls.append(world.emu.open_pull_request(world.repo, head=f"feature-{n}", base="main"))
    for pr in pulls:
        await bot.send("pull_request", "opened", pr=pr)
    for pr in pulls:  # the description edited and edited back: nothing to read anew
        await bot.send("pull_request", "edited", pr=pr, changes={"body": {"from": "draft"}})
    mark = len(world.emu.requests)
    for pr in pulls:
        await bot.send("pull_request", "edited", pr=pr, changes={"body": {"from": "draft"}})
    reads = [r for r in world.emu.requests[mark:] if r.method == "GET"]
    assert reads and all(r.status == 304 for r in reads), {
        (r.operation_id, r.status) for r in reads if r.status != 304}


def test_each_installation_sees_only_its_own_answers():
    cache = ETagCache(1_000_000)
    one, two = cache.for_installation(1), cache.for_installation(2)
    one["/repos/a/b/pulls/1"] = ("etag", None, {"secret": "one's"}, None)
    assert "/repos/a/b/pulls/1" not in two
    assert list(one) == ["/repos/a/b/pulls/1"] and list(two) == []


def test_the_least_recently_used_answer_goes_first_when_the_budget_is_spent():
    cache = ETagCache(3 * (1000 + ENTRY_OVERHEAD))
    view = cache.for_installation(7)
    for url in ("/a", "/b", "/c"):
        view.note_size(url, 1000)
        view[url] = ("etag", None, url, None)
    assert view["/a"]  # read: now the most recent
    view.note_size("/d", 1000)
    view["/d"] = ("etag", None, "/d", None)
    assert sorted(view) == ["/a", "/c", "/d"]
    assert cache.bytes <= cache.max_bytes
    view.note_size("/huge", 10_000)  # larger than the whole budget: not kept
    view["/huge"] = ("etag", None, "/huge", None)
    assert "/huge" not in view and sorted(view) == ["/a", "/c", "/d"]
