"""One pass of the reviewer's side: sign-offs and ticks applied, the checklist rendered.

Pure: the shell reads the checklist comment (the state and the ticks in it), calls
``decide`` and writes what it returns: the evaluation for the check run, the new state,
and the comment body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from bot.core.config import Config
from bot.core.evaluate import verdict
from bot.core.render import CONCLUSION_WORDS
from bot.core.results import Evaluation, Outcome, RuleResult, Severity, Stage, Variance
from bot.core.review import escape
from bot.core.review.checklist import (
    COMMENT_LIMIT,
    MARKER,
    Edit,
    Item,
    ManualItem,
    applicable,
    automatic,
    manual_items,
    render_items,
)
from bot.core.review.signoff import (
    Standing,
    apply,
    current_variances,
    judge,
    notes,
    owner_due,
    percent,
)
from bot.core.review.state import ReviewState, TickRecord, VarianceRecord, encode
from bot.core.review.transitions import bump
from bot.core.review_settings import OutOfScopeComment, ReviewSettings, SignoffSettings

CHECKLIST_RULE = "checklist"
CHECKLIST_TITLE = "Reviewer checklist"
MISSING_REASON = "Required checklist items are not ticked: {items}."
MISSING_FIX = (
    "A reviewer who may sign off ticks them in perfbot's checklist comment on this pull request."
)
OUT_OF_SCOPE_LINE = "No performance rule applies to this change; perfbot has nothing to ask."
HEADING = "### Performance workflow checklist"
FOOTER = (
    "<sub>Tick manual items when they are done. Commands: `/perf signoff`, `/perf revoke`, "
    "`/perf recheck`, `/perf help`. Edit nothing else here: perfbot rewrites this comment.</sub>"
)
_COMPACT_TEXT = 200
STATE_VARIANCES = 150
STATE_SUMMARY = 80
STATE_READINGS = 60  # rules list the readings most likely to show a recovery first
# Variances listed as awaiting sign-off; the rest are counted, and the check run has all.
WAITING_SHOWN = 500
WAITING_COMPACT = 50  # when the full list would not fit in one comment


@dataclass(frozen=True, slots=True)
class Facts:
    """What ``decide`` needs to know about the pull request besides its evaluation."""

    repo: str
    number: int
    paths: tuple[str, ...] = ()
    check_url: str = ""
    now: str = ""  # ISO 8601 UTC


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    evaluation: Evaluation
    state: ReviewState
    body: str
    wanted: bool  # False: an out-of-scope PR that should get no comment
    reverted: tuple[str, ...] = ()
    standings: tuple[Standing, ...] = ()
    display: Mapping[str, bool] = field(default_factory=dict)  # ticks as shown
    # What ``rewritten`` needs to render the body again around ticks changed since.
    items: tuple[Item, ...] = ()
    manual: tuple[ManualItem, ...] = ()
    signoff: SignoffSettings = SignoffSettings()
    facts: Facts | None = None
    key: bytes = field(default=b"", repr=False)
    unslimmed: ReviewState | None = None  # the state before it was cut to fit the comment


def decide(
    evaluation: Evaluation,
    config: Config,
    settings: ReviewSettings,
    state: ReviewState,
    body_ticks: Mapping[str, bool],
    facts: Facts,
    key: bytes,
    edit: Edit | None = None,
) -> ReviewDecision:
    original, given = evaluation.results, state
    in_scope = any(r.outcome is not Outcome.SKIPPED for r in original)
    standings = judge(state, original, settings.signoff)
    results = apply(original, standings)
    manual = applicable(manual_items(settings.checklist), facts.paths) if in_scope else ()
    state, display, reverted = resolve_ticks(state, manual, body_ticks, edit, facts.now)
    missing = [m for m in manual if m.required and m.id not in state.ticked()]
    if missing:
        results += (_missing(missing),)
    conclusion, title = verdict(results, config)
    adjusted = replace(
        evaluation,
        results=results,
        conclusion=conclusion,
        title=title,
        notes=evaluation.notes + notes(standings),
    )
    state = replace(
        state,
        variances=_kept(current_variances(original), state),
        passed_rules=tuple(r.rule for r in original if r.outcome is Outcome.PASSED),
        check_url=facts.check_url,
        readings=tuple(g for r in original for g in r.readings)[:STATE_READINGS],
    )
    state = bump(state, given)
    if not in_scope:
        body = f"{MARKER}\n{OUT_OF_SCOPE_LINE}\n{encode(state, key, facts.repo, facts.number)}"
        wanted = settings.out_of_scope_comment is OutOfScopeComment.ONE_LINE
        return ReviewDecision(adjusted, state, body, wanted, reverted, standings, display,
                              facts=facts, key=key, unslimmed=state)
    automatic_items = automatic(results, facts.check_url)
    decision = ReviewDecision(adjusted, state, "", True, reverted, standings, display,
                              automatic_items, manual, settings.signoff, facts, key, state)
    body, slimmed = _fitted(decision, display)
    return replace(decision, body=body, state=slimmed)


def rewritten(decision: ReviewDecision, display: Mapping[str, bool]) -> str:
    """The decision's comment body with ``display`` ticks shown: the comment is read again
    just before it is written, and ticks someone changed since stay as they are (their own
    edit events judge them). Nothing is decided again."""
    if not decision.manual and not decision.items:
        return decision.body
    return _fitted(decision, display)[0]


def _fitted(decision: ReviewDecision, display: Mapping[str, bool]) -> tuple[str, ReviewState]:
    """The body, compacted and with the state cut until it fits in one comment."""
    facts, key = decision.facts, decision.key
    assert facts is not None and decision.unslimmed is not None
    state = decision.unslimmed
    shown = {m.id: display.get(m.id, decision.display.get(m.id, False)) for m in decision.manual}
    items = decision.items + tuple(_manual_item(m, shown, state) for m in decision.manual)
    args = (decision.evaluation, items, decision.standings, decision.signoff, facts)
    block = encode(state, key, facts.repo, facts.number)
    body = render(*args, block)
    if len(body) > COMMENT_LIMIT:
        body = render(*args, block, compact=True)
    # Many long benchmark ids (a global slowdown) make the state itself too big: keep the
    # signed-off variances and as many others and readings as fit, so the comment is written.
    while len(body) > COMMENT_LIMIT and (slimmer := _slimmer(state)) != state:
        state = slimmer
        block = encode(state, key, facts.repo, facts.number)
        body = render(*args, block, compact=True)
    return body, state


def resolve_ticks(
    state: ReviewState,
    manual: tuple[ManualItem, ...],
    body_ticks: Mapping[str, bool],
    edit: Edit | None,
    now: str,
) -> tuple[ReviewState, dict[str, bool], tuple[str, ...]]:
    """Merge the ticks in the comment with the accepted ones in the state, by item id.

    Without an edit (a push, a command), a tick that differs from the state is someone's
    edit still on its way: shown as it is, counted once its edit event is handled. With
    an edit, a tick it flipped is accepted (and attributed) or, for a required item the
    sender may not tick, reverted; other differing ticks wait for their own edit events.
    """
    accepted = {t.item: t for t in state.ticks}
    display: dict[str, bool] = {}
    reverted: list[str] = []
    for item in manual:
        recorded = item.id in accepted
        shown = body_ticks.get(item.id, recorded)
        display[item.id] = shown
        if shown == recorded or edit is None or (
                edit.items is not None and item.id not in edit.items):
            continue
        if item.required and not edit.may_tick_required:
            display[item.id] = recorded
            reverted.append(item.id)
        elif shown:
            accepted[item.id] = TickRecord(item.id, edit.sender, now)
        else:
            accepted.pop(item.id, None)
    ticks = tuple(accepted[i.id] for i in manual if i.id in accepted)
    kept = tuple(t for t in state.ticks if t.item not in {i.id for i in manual})
    return replace(state, ticks=ticks + kept), display, tuple(reverted)


def who_may_sign_off(settings: SignoffSettings) -> str:
    parts = [f"people with the `{settings.permission.value}` role or higher on this repository"]
    if settings.users:
        parts.append(", ".join(escape.login(u) for u in settings.users))
    if settings.teams:
        parts.append("members of " + ", ".join(escape.login(t) for t in settings.teams))
    text = " or ".join(parts)
    if not settings.allow_author_signoff:
        text += " (not the pull request's author)"
    return text


def render(
    evaluation: Evaluation,
    items: tuple[Item, ...],
    standings: tuple[Standing, ...],
    settings: SignoffSettings,
    facts: Facts,
    block: str,
    *,
    compact: bool = False,
) -> str:
    verdict_words = CONCLUSION_WORDS[evaluation.conclusion]
    # No head SHA and no run id here: the text stays the same while the verdict does, so a
    # push that changes nothing a reviewer reads costs no rewrite of the comment.
    link = f" · [checks]({facts.check_url})" if facts.check_url else ""
    lines = [MARKER, HEADING, "",
             f"**{escape.inline(evaluation.check_name)}: {verdict_words}**: "
             f"{escape.inline(evaluation.title)}{link}"]
    shown_items = items if not compact else tuple(
        replace(i, text=_clip(i.text)) for i in items
    )
    lines.append(render_items(shown_items))
    accepted = {s.record.variance for s in standings if s.valid}
    waiting: list[tuple[RuleResult, Variance | None]] = [
        (r, v) for r in evaluation.results if r.outcome is Outcome.FAILED
        for v in (r.variances or ()) if v.id not in accepted
    ]
    waiting += [(r, None) for r in evaluation.results
                if r.outcome is Outcome.FAILED and not r.variances and r.rule != CHECKLIST_RULE]
    if waiting:
        lines += ["", "#### Variances awaiting sign-off", ""]
        shown = WAITING_COMPACT if compact else WAITING_SHOWN
        for res, v in waiting[:shown]:
            if v is None:
                lines.append(f"- {escape.code(res.rule)}: {_maybe_clip(res.reason, compact)}")
            else:
                # A benchmark's summary already says by how much; other variances may not.
                size = f" ({percent(v.magnitude)})" if v.magnitude is not None else ""
                if size and percent(v.magnitude) in v.summary:
                    size = ""
                lines.append(f"- {escape.code(v.id)}: "
                             f"{_maybe_clip(escape.inline(v.summary), compact)}{size}")
        if len(waiting) > shown:
            lines.append(f"- … and {len(waiting) - shown} more: see the check run.")
        lines += ["", "To accept one: `/perf signoff <id> --reason \"…\" --mitigation \"…\" "
                  "[--owner @user|@org/team] [--due YYYY-MM-DD]`, by "
                  f"{who_may_sign_off(settings)}."]
    if standings:
        lines += ["", "#### Sign-offs", ""]
        for s in standings:
            r = s.record
            status = "accepted" if s.valid else (f"**no longer applies**: {s.why}"
                                                 if s.variance is not None else "not needed now")
            reason, plan = escape.inline(r.reason), escape.inline(r.mitigation)
            lines.append(
                f"- {escape.code(r.variance)} by {escape.login(r.by)} on {r.at[:10]} at "
                f"`{r.head_sha[:7]}` ({percent(r.magnitude)}): {status}{owner_due(r)}"
                f"<br>Reason: {_maybe_clip(reason, compact)}"
                f"<br>Mitigation: {_maybe_clip(plan, compact)}"
            )
    lines += ["", FOOTER, block]
    return "\n".join(lines)


def _kept(variances: tuple[VarianceRecord, ...], state: ReviewState) -> tuple[VarianceRecord, ...]:
    """The variances the state can carry within the comment limit, signed-off ones first."""
    signed = {s.variance for s in state.signoffs}
    ordered = sorted(variances, key=lambda v: v.id not in signed)
    return tuple(replace(v, summary=_shortened(v.summary)) for v in ordered[:STATE_VARIANCES])


def _shortened(summary: str) -> str:
    """At most STATE_SUMMARY characters, for the mitigation issue to quote: cut at a word,
    never inside a code span (``<= 5m`` of ``<= 5ms`` reads as five minutes), and marked."""
    if len(summary) <= STATE_SUMMARY:
        return summary
    cut = summary[: STATE_SUMMARY - 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else cut
    if cut.count("`") % 2:
        cut = cut[: cut.rfind("`")]
    return cut.rstrip(" ,;:") + "…"


def _slimmer(state: ReviewState) -> ReviewState:
    """Half the variances that carry no sign-off (``_kept`` put those last) and readings."""
    signed = {s.variance for s in state.signoffs}
    keep = max(sum(v.id in signed for v in state.variances), len(state.variances) // 2)
    return replace(state, variances=state.variances[:keep],
                   readings=state.readings[: len(state.readings) // 2])


def _manual_item(m: ManualItem, display: Mapping[str, bool], state: ReviewState) -> Item:
    tick = next((t for t in state.ticks if t.item == m.id), None)
    note = f"ticked by {escape.login(tick.by)}" if tick and display.get(m.id) else ""
    return Item(m.id, m.stage, escape.inline(m.text), display.get(m.id, False), False,
                m.required, note)


def _missing(missing: list[ManualItem]) -> RuleResult:
    names = ", ".join(f"{escape.code(m.id)} ({escape.inline(m.text)})" for m in missing)
    stage: Stage = missing[0].stage
    return RuleResult(CHECKLIST_RULE, CHECKLIST_TITLE, stage, Outcome.FAILED, Severity.FAILURE,
                      MISSING_REASON.format(items=names), MISSING_FIX)


def _clip(text: str) -> str:
    if len(text) <= _COMPACT_TEXT:
        return text
    # Never leave half an escape, entity or <br> behind.
    cut = re.sub(r"(<[a-z]{0,3}|&[a-z]{0,4}|\\)$", "", text[: _COMPACT_TEXT - 1])
    return cut + "…"


def _maybe_clip(text: str, compact: bool) -> str:
    return _clip(text) if compact else text
