"""What a comment means and what it does to the review state, decided without GitHub."""

from __future__ import annotations

from datetime import date

from bot.core.review import transitions
from bot.core.review.checklist import Edit
from bot.core.review.commands import Help, Recheck, Revoke, SignOff, parse
from bot.core.review.state import ReviewState, SignOffRecord, VarianceRecord, derive_key, encode
from bot.core.review_settings import SignoffSettings

KEY = derive_key("secret")
APP = 42
MARIA = {"login": "maria", "type": "User"}
BOT = {"login": "other[bot]", "type": "Bot"}
SIGNOFF = "/perf signoff bench:a --reason 'launch' --mitigation 'cache it'"
VARIANCES = (VarianceRecord("bench:a", "benchmarks", "a is 10% slower", 0.1),)
NOW = "2026-12-01T10:00:00Z"


def comment(body: str, user=MARIA, app: int | None = None, id: int = 7) -> dict:
    item = {"id": id, "body": body, "user": user}
    if app is not None:
        item["performed_via_github_app"] = {"id": app}
    return item


def meaning(action: str, item: dict, sender=MARIA, before: str | None = None):
    return transitions.comment_event(action, item, sender, before, app_id=APP, key=KEY,
                                     repo="o/r", number=1)


def test_a_persons_commands_are_given_and_prose_is_ignored():
    assert meaning("created", comment(SIGNOFF)) == transitions.Given(parse(SIGNOFF))
    assert meaning("created", comment("looks good")) == transitions.Ignore()


def test_bots_command_nothing():
    assert meaning("created", comment(SIGNOFF, user=BOT), sender=BOT) == transitions.Ignore()
    assert meaning("created", comment(SIGNOFF), sender=BOT) == transitions.Ignore()


def test_deleting_a_sign_off_forgets_it_and_deleting_prose_does_nothing():
    assert meaning("deleted", comment(SIGNOFF)) == transitions.Forget(7)
    assert meaning("deleted", comment("thanks")) == transitions.Ignore()


def test_an_edit_by_someone_else_grants_nothing_but_an_altered_sign_off_goes():
    moderator = {"login": "mod", "type": "User"}
    same = meaning("edited", comment(SIGNOFF), sender=moderator, before=SIGNOFF)
    assert same == transitions.Ignore()
    altered = meaning("edited", comment(SIGNOFF.replace("launch", "x")), sender=moderator,
                      before=SIGNOFF)
    assert altered == transitions.Forget(7)


def test_a_sign_off_edited_away_goes():
    assert meaning("edited", comment("never mind"), before=SIGNOFF) == transitions.Forget(7)


def test_perfbots_checklist_edited_by_a_person_is_judged_and_by_perfbot_ignored():
    edited = meaning("edited", comment("<!-- perfbot:checklist --> x", app=APP), before="old")
    assert edited == transitions.ChecklistEdited("old", "<!-- perfbot:checklist --> x")
    assert meaning("created", comment("<!-- perfbot:checklist -->", app=APP)) \
        == transitions.Ignore()


def test_another_app_setting_the_state_back_is_undone():
    newer = encode(ReviewState(revision=3), KEY, "o/r", 1)
    older = encode(ReviewState(revision=1), KEY, "o/r", 1)
    set_back = meaning("edited", comment(older, app=APP), sender=BOT, before=newer)
    assert set_back == transitions.Restore(ReviewState(revision=3))
    moved_on = meaning("edited", comment(newer, app=APP), sender=BOT, before=older)
    assert moved_on == transitions.Ignore()


def test_authority_is_asked_only_for_commands_that_need_it_on_an_open_pull_request():
    assert not transitions.needs_authority((Help(), Recheck()), is_open=True)
    assert transitions.needs_authority((Help(), Revoke("bench:a")), is_open=True)
    assert not transitions.needs_authority((Revoke("bench:a"),), is_open=False)


def answer(commands, *, is_open=True, allowed=True, note=""):
    return transitions.answer_commands(commands, is_open=is_open, allowed=allowed, note=note,
                                       sender="maria", settings=SignoffSettings(),
                                       who_may="maintainers")


def test_commands_that_may_act_act_and_the_others_are_answered_once_each():
    signoff = parse(SIGNOFF)[0]
    done = answer((signoff, Recheck()))
    assert done.changes == (signoff,) and done.recheck and done.replies == ()
    refused = answer((signoff, Revoke("bench:b"), Help(), Help()), allowed=False,
                     note="(members: read)")
    texts = [t for _, t in refused.replies]
    assert len(texts) == 3 and texts[0].endswith("(members: read)")
    assert "may not sign off variances" in texts[0] and "revoke sign-offs" in texts[1]


def test_every_line_perfbot_could_not_read_is_named_in_one_reply():
    malformed = tuple(parse(f"/perf frob{i}")[0] for i in range(9))  # nine different lines
    [(index, text)] = answer(malformed).replies
    assert index == 0 and all(f"`frob{i}`" in text for i in range(9))
    assert text.count("perfbot commands") == 1  # the usage once


def test_one_reply_lists_outcomes_only_as_far_as_a_comment_holds():
    malformed = tuple(parse(f"/perf frob{i}{'x' * 150}")[0] for i in range(2_000))
    [(_, text)] = answer(malformed).replies
    assert len(text) < 65_536 and "- … and 1" in text  # how many more were left out


def test_on_a_closed_pull_request_nothing_acts_after_saying_so():
    closed = answer((Help(), parse(SIGNOFF)[0], Revoke("bench:a")), is_open=False)
    assert closed.closed and closed.changes == ()
    assert [i for i, _ in closed.replies] == [0, 1] and "is closed" in closed.replies[1][1]


def test_commands_apply_once_and_an_edit_replaces_what_the_comment_did():
    signoff = parse(SIGNOFF)[0]
    event = transitions.Commands((signoff,), "maria", 7, "7@t:abc")
    state, replies = transitions.apply(event, ReviewState(), VARIANCES, "f" * 40, NOW)
    assert replies == () and [s.variance for s in state.signoffs] == ["bench:a"]
    assert transitions.apply(event, state, VARIANCES, "f" * 40, NOW) == (state, ())
    recheck_only = transitions.Commands((), "maria", 7, "7@t2:def")
    cleared, _ = transitions.apply(recheck_only, state, VARIANCES, "f" * 40, NOW)
    assert cleared.signoffs == ()


def test_a_command_that_cannot_act_earns_a_reply_naming_its_sender():
    unknown = SignOff("bench:zzz", "r", "m", None, None)
    past = SignOff("bench:a", "r", "m", None, date(2020, 1, 1))
    event = transitions.Commands((unknown, past), "maria", 7, "k")
    state, replies = transitions.apply(event, ReviewState(), VARIANCES, "f" * 40, NOW)
    assert state.signoffs == ()
    [reply] = replies  # one reply, however many commands could not act
    assert reply.startswith("@maria, perfbot could not act on 2 of the commands")
    assert "- There is no variance `bench:zzz`" in reply
    assert "- The due date 2020-01-01 is already past" in reply
    _, [single] = transitions.apply(transitions.Commands((unknown,), "maria", 7, "k2"),
                                    ReviewState(), VARIANCES, "f" * 40, NOW)
    assert single.startswith("@maria, there is no variance `bench:zzz`")


def test_a_deleted_comment_takes_its_sign_offs_along():
    record = SignOffRecord("bench:a", "benchmarks", "maria", NOW, "r", "m", "f" * 40,
                           comment_id=7)
    state = ReviewState(signoffs=(record,))
    forgotten, replies = transitions.apply(transitions.Forget(7), state, (), "f" * 40, NOW)
    assert forgotten.signoffs == () and replies == ()
    kept, _ = transitions.apply(transitions.Forget(8), state, (), "f" * 40, NOW)
    assert kept == state


def test_revisions_grow_only_with_decisions_and_the_newest_state_wins():
    before = ReviewState(revision=4)
    record = SignOffRecord("bench:a", "benchmarks", "maria", NOW, "r", "m", "f" * 40)
    assert transitions.bump(ReviewState(revision=4, passed_rules=("x",)), before).revision == 4
    assert transitions.bump(ReviewState(signoffs=(record,)), before).revision == 5
    assert transitions.newest(None, ReviewState(revision=2), ReviewState(revision=5)).revision \
        == 5
    assert transitions.newest() == ReviewState()


def test_required_ticks_an_edit_flipped_are_the_ones_judged():
    before = "- [ ] Load test <!-- perfbot:item:load -->\n- [ ] Docs <!-- perfbot:item:docs -->"
    after = before.replace("[ ] Load", "[x] Load")
    mine, touched = transitions.ticks_touched(before, after, ReviewState(),
                                              frozenset({"load", "docs"}))
    assert mine == frozenset({"load"}) and touched == frozenset({"load"})
    unknown, touched = transitions.ticks_touched("", after, ReviewState(), frozenset({"load"}))
    assert unknown is None and touched == frozenset({"load"})


def test_put_back_ticks_are_answered_only_on_a_checklist_edit():
    edit = transitions.TicksEdited(Edit("maria", False, None))
    [reply] = transitions.reverted_reply(edit, ("load",), "maintainers")
    assert "only maintainers may tick" in reply and "`load`" in reply
    assert transitions.reverted_reply(transitions.Reevaluate(), ("load",), "m") == ()
    assert transitions.reverted_reply(edit, (), "m") == ()
