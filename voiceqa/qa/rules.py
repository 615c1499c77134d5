"""Rule evaluators: each turns a rule + the call into findings (time span + quoted evidence).

For ``expect: present`` items a finding is the thing the agent was supposed to say; for
``expect: absent`` items every finding is a violation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from ..text.chinese import normalize_for_compare
from ..text.phrases import find_phrase, find_phrases, mentions, mentions_or_heard
from ..text.pinyin_match import Match, by_sound, sound_regex, syllables
from ..text.similarity import bigram_overlap
from ..text.words import COARSE_CLAUSE_MARKS, SENTENCE_MARKS, boundaries, clause_bounds, has_cue
from . import rubric as R
from .acoustics import loudness_above_baseline
from .context import ScoringContext, char_time
from .metrics import overtalk as find_overtalk
from .metrics import silences
from .pii import find_pii
from .reported import inside_reported, reported_spans

HOLD_LOOKBACK = 3.0  # a hold notice counts if the agent said it within this many seconds before the silence


@dataclass
class Finding:
    start: float
    end: float
    evidence: str
    role: str
    key: str = ""  # what matched (phrase), used in the flag's rule id
    # the types of the rules that found these words (semantic, keyword, ...): how strong the evidence is
    kinds: tuple[str, ...] = ()


def quote(text: str, start: int, end: int, context: int = 6) -> str:
    return text[max(0, start - context): min(len(text), end + context)]


def _in_window(ctx: ScoringContext, item: R.Item, t: float) -> bool:
    return item.window is None or item.window.holds(t, ctx.duration)


def _phrase_hits(ctx, item, phrases, mode, options=None) -> list[tuple[Finding, Match, int]]:
    """(finding, match, turn index) for every phrase occurrence in the item's role and window,
    as whole words, outside negation and excluded clauses when ``options`` (the rule) asks."""
    kw = {}
    if options is not None:
        kw = {"whole_words": options.whole_words, "exclude": options.exclude, "exclude_by_sound": options.exclude_by_sound,
              "negation": ctx.negation if options.negation else frozenset(),
              "written_words": getattr(options, "written_words", False),
              "written_after": tuple(getattr(options, "written_words_after", ())),
              "followed_not": tuple(getattr(options, "followed_not", ()))}
    skip = options.exclude_turn if options is not None else ()
    after = getattr(options, "exclude_next_turn", ()) if options is not None else ()
    out = []
    for ti, turn in ctx.turns_in(item.role):
        if mentions(turn.text, skip) or (after and mentions(_next_own_turn(ctx, ti), after)):
            continue
        hits = find_phrases(turn.text, tuple(phrases), mode, **kw)
        # where someone else's words are reported: drawn only for a turn with a hit
        quoted = _reported(options, turn.text) if hits and options is not None else ()
        for ph, m in hits:
            if inside_reported(quoted, m.start, m.end):
                continue
            t0, t1 = char_time(turn, m.start), char_time(turn, m.end)
            if _in_window(ctx, item, t0):
                out.append((Finding(t0, max(t1, t0), quote(turn.text, m.start, m.end), turn.role, ph), m, ti))
    return sorted(out, key=lambda p: p[0].start)


def _reported(rule, text: str) -> tuple[tuple[int, int], ...]:
    """The spans of ``text`` that report someone else's words, for a rule that judges only the
    speaker's own words (``reported_speech``); none otherwise."""
    frame = getattr(rule, "reported_speech", None)
    return reported_spans(text, frame, tuple(rule.endorsed)) if frame else ()


def item_span(item: R.Item, duration: float) -> tuple[float, float]:
    """The part of the call an item looks at (its window, else the whole call)."""
    return item.window.span(duration) if item.window else (0.0, duration)


def keyword(rule: R.KeywordRule, item, ctx) -> list[Finding]:
    hits = _phrase_hits(ctx, item, rule.phrases, rule.mode, rule)
    found = {f.key for f, _, _ in hits}
    if rule.match == "none":
        # one finding for the whole span when not one of the phrases was said
        if hits:
            return []
        start, end = item_span(item, ctx.duration)
        return [Finding(start, end, f"未说：{'/'.join(rule.phrases[:4])}", item.role if item.role != "any" else "any", "none")]
    if rule.match == "all" and found != set(rule.phrases):
        return []
    if rule.match == "at_least" and len(found) < rule.n:
        return []
    return [f for f, _, _ in hits]


def _next_own_turn(ctx, ti: int) -> str:
    """The text of the next turn by the same speaker role as turn ``ti``, when at most one turn
    of another role comes between (the answer to the caller's reply); else ""."""
    role, others = ctx.turns[ti].role, 0
    for t in ctx.turns[ti + 1:]:
        if t.role == role:
            return t.text
        others += 1
        if others > 1:
            break
    return ""


def regex(rule: R.RegexRule, item, ctx) -> list[Finding]:
    pat, excl = re.compile(rule.pattern), [re.compile(x) for x in rule.exclusions()]
    after = [re.compile(x) for x in rule.next_turn_exclusions()]
    out = []
    for ti, turn in ctx.turns_in(item.role):
        if after and any(e.search(_next_own_turn(ctx, ti)) for e in after):
            continue
        text = turn.text
        matches = list(pat.finditer(text))
        if rule.sound_pattern and not matches:
            text, matches = _sound_matches(turn.text, rule.sound_pattern)
        quoted = _reported(rule, turn.text) if matches else ()
        for m in matches:
            if inside_reported(quoted, m.start(), m.end()):
                continue
            # the exclusion holds when it is written in the turn or heard in it by sound
            if any(x.start() < m.end() and m.start() < x.end()
                   for e in excl for t in {text, turn.text} for x in e.finditer(t)):
                continue
            t0 = char_time(turn, m.start())
            if _in_window(ctx, item, t0):
                out.append(Finding(t0, char_time(turn, m.end()), quote(turn.text, m.start(), m.end()), turn.role, turn.text[m.start():m.end()]))
    return out


def proximity(rule: R.ProximityRule, item, ctx) -> list[Finding]:
    """A phrase of ``a`` with a phrase of ``b`` near it: within N characters of the same turn,
    or within N seconds anywhere."""
    b = _phrase_hits(ctx, item, rule.b, rule.mode, rule.model_copy(update={"negation": False}))
    if not b:  # the common case: no judgement word at all, so "you" (frequent) is not searched
        return []
    out = []
    for fa, ma, ta in _phrase_hits(ctx, item, rule.a, rule.mode, rule):
        for fb, mb, tb in b:
            if not rule.heard_pair and ma.mode != "exact" and mb.mode != "exact" and ma.end - ma.start <= 2:
                continue
            near_chars = rule.within_chars is not None and ta == tb and abs(ma.start - mb.start) <= rule.within_chars
            near_secs = rule.within_seconds is not None and abs(fa.start - fb.start) <= rule.within_seconds
            if near_chars or near_secs:
                evidence = fa.evidence if ta == tb else f"{fa.evidence} … {fb.evidence}"
                out.append(Finding(min(fa.start, fb.start), max(fa.end, fb.end), evidence, fa.role, f"{fa.key}+{fb.key}"))
                break
    return out


def sequence(rule: R.SequenceRule, item, ctx) -> list[Finding]:
    """Violations: a ``then`` phrase said before any ``first`` phrase (or with none at all).
    With ``near``, a ``first`` phrase counts only with a ``near`` phrase close to it in its turn.
    ``then`` is found by phrase (kind keyword), by pattern (regex) and by meaning
    (``then_semantic``, kind semantic; the same words found two ways carry both kinds). The
    violation is the earliest ``then`` before the check; when that one was found by meaning only,
    the first ``then`` found otherwise (or every one, when all are by meaning) is returned too, for
    an item with ``corroborate`` to weigh one meaning-only line against more (qa/review.py)."""
    first = _first_hits(rule, item, ctx)
    earliest = min((f.start for f in first), default=float("inf"))
    # a clause that holds the check and resembles account information by meaning only is the
    # check (您就是这个号码的实名登记人吧 is near a number's registration read out)
    before = [f for f in _then_hits(rule, item, ctx) if f.start < earliest
              and not (f.kinds == ("semantic",) and any(f.start < g.end and g.start < f.end for g in first))]
    if item.corroborate is None or not before or set(before[0].kinds) - {"semantic"}:
        return before[:1]
    strong = next((f for f in before if set(f.kinds) - {"semantic"}), None)
    return [before[0], strong] if strong is not None else before


def _first_hits(rule: R.SequenceRule, item, ctx) -> list[Finding]:
    """Where the ``first`` side (the identity check) is said: a listed word with an ask near it,
    a check by structure (``first_pattern``), or that structure heard with its cue words
    misheard (``first_sound_pattern``, on turns the written pattern missed)."""
    first = _phrase_hits(ctx, item, rule.first, rule.mode, rule)
    if rule.near:
        asks = _phrase_hits(ctx, item, rule.near, rule.mode, rule.model_copy(update={"negation": False, "exclude": []}))
        first = [(f, m, ti) for f, m, ti in first
                 if any(tb == ti and (0 <= mb.start - m.end <= rule.within_chars or 0 <= m.start - mb.end <= rule.within_chars)
                        for _, mb, tb in asks)]
    out = [f for f, _, _ in first]
    if rule.first_pattern:
        out += _pattern_hits(ctx, item, re.compile(rule.first_pattern), rule.exclude, rule.first_sound_pattern)
    return out


def _then_hits(rule: R.SequenceRule, item, ctx) -> list[Finding]:
    """The ``then`` side (account information given or the account acted on), in time order,
    each finding marked with the kinds of rule that found its words."""
    phrase_opts = rule.model_copy(update={"exclude": rule.then_not, "negation": False})
    hits = [replace(f, kinds=("keyword",)) for f, _, _ in _phrase_hits(ctx, item, rule.then, rule.mode, phrase_opts)]
    if rule.then_pattern:
        hits += [replace(f, kinds=("regex",)) for f in _pattern_hits(ctx, item, re.compile(rule.then_pattern), rule.then_not)]
    if rule.then_account is not None:
        hits += [replace(f, kinds=("regex",)) for f in _account_hits(rule.then_account, rule.then_not, item, ctx)]
    if rule.then_semantic is not None:
        hits += findings_of(rule.then_semantic, item, ctx)  # then_not is in its exclude (rubric.py)
    out: list[Finding] = []
    for f in sorted(hits, key=lambda f: f.start):
        k = next((k for k, g in enumerate(out) if f.start < g.end and g.start < f.end), None)
        if k is None:
            out.append(f)
        else:  # the same words found another way: one finding, both kinds
            out[k] = replace(out[k], kinds=tuple(dict.fromkeys(out[k].kinds + f.kinds)))
    return out


_FIGURE = re.compile(r"[0-9]+(?:[.,][0-9]+)?|[零一二两三四五六七八九十百千万点]{2,}")


def _account_hits(acc: R.AccountDisclosure, unless: list[str], item, ctx) -> list[Finding]:
    """``AccountDisclosure`` findings: an owner, then a detail within ``within_chars`` in its
    sentence, said as fact (see its docstring), the clauses from owner to detail free of ``unless``."""
    owner, detail = re.compile(acc.owner), re.compile(acc.detail)
    out = []
    for ti, turn in ctx.turns_in(item.role):
        text = turn.text
        owners = list(owner.finditer(text))
        if not owners:
            continue
        heard = " ".join(t.text for t in ctx.turns[:ti] if t.role != turn.role)  # only where an owner is named
        for m in owners:
            d = _detail_after(text, m, detail, acc, unless, heard)
            if d is None:
                continue
            start = m.start()
            t0 = char_time(turn, start)
            if _in_window(ctx, item, t0):
                out.append(Finding(t0, char_time(turn, d.end()), quote(text, start, d.end()), turn.role, text[start:d.end()]))
                break  # one finding per turn is enough to place the disclosure
    return out


def _detail_after(text: str, owner: re.Match, detail: re.Pattern, acc: R.AccountDisclosure, unless, heard: str):
    """The first detail that follows ``owner`` in its sentence as fact, or None."""
    s1 = clause_bounds(text, owner.start(), SENTENCE_MARKS)[1]
    if s1 < len(text) and text[s1] in "？?":
        return None
    for d in detail.finditer(text, owner.end(), min(s1, owner.end() + acc.within_chars + 40)):
        if d.start() - owner.end() > acc.within_chars:
            break
        stretch = _clause_at(text, owner.start(), d.end())
        if any(w in stretch for w in (*acc.generic, *unless)):
            continue
        figures = _FIGURE.findall(d.group())
        if d.group() in heard or (figures and all(f in heard for f in figures)):
            continue  # the caller's own words or figure said back
        return d
    return None


def _clause_at(text: str, start: int, end: int) -> str:
    """The coarse clause of ``text`` (between commas and sentence marks) holding ``text[start:end]``."""
    return text[clause_bounds(text, start, COARSE_CLAUSE_MARKS)[0]:clause_bounds(text, end, COARSE_CLAUSE_MARKS)[1]]


def _sound_matches(text: str, sound_pattern: str) -> tuple[str, list[re.Match[str]]]:
    """``text`` read by the sounds of ``sound_pattern`` and the pattern's matches in it. A stretch
    heard by sound starts and ends where words do: one that cuts a word in two (太感|谢 heard as
    抬杠) is the sound of other words, not a slip."""
    heard = by_sound(text, sound_pattern)
    cuts = boundaries(text)
    return heard, [m for m in sound_regex(sound_pattern).finditer(heard) if m.start() in cuts and m.end() in cuts]


def _pattern_hits(ctx, item, pattern: re.Pattern, unless: list[str] = (), sound_pattern: str | None = None) -> list[Finding]:
    """A regex's matches in the item's role and window, as findings; none in a clause that
    holds one of ``unless`` (written as is). ``sound_pattern``: on a turn where ``pattern`` found
    nothing, that pattern is tried on the text read by sound (see ``RegexRule.sound_pattern``)."""
    out = []
    for _, turn in ctx.turns_in(item.role):
        found = _turn_pattern_hits(ctx, item, turn, pattern.finditer(turn.text), unless)
        if sound_pattern and not found:
            found = _turn_pattern_hits(ctx, item, turn, _sound_matches(turn.text, sound_pattern)[1], unless)
        out += found
    return out


def _turn_pattern_hits(ctx, item, turn, matches, unless) -> list[Finding]:
    out = []
    for m in matches:
        if unless and any(w in _clause_at(turn.text, m.start(), m.end()) for w in unless):
            continue
        t0 = char_time(turn, m.start())
        if _in_window(ctx, item, t0):
            out.append(Finding(t0, char_time(turn, m.end()), quote(turn.text, m.start(), m.end()), turn.role, turn.text[m.start():m.end()]))
    return out


def similarity_score(text: str, example: str, method: str) -> float:
    from rapidfuzz import fuzz

    if method == "pinyin":
        a = " ".join(s for _, s in syllables(text))
        b = " ".join(s for _, s in syllables(example))
        return fuzz.partial_ratio(b, a) / 100 if a and b else 0.0
    return bigram_overlap(text, example)  # share of the example's bigrams present


def similarity(rule: R.SimilarityRule, item, ctx) -> list[Finding]:
    out = []
    for _, turn in ctx.turns_in(item.role):
        best = max(rule.examples, key=lambda ex: similarity_score(turn.text, ex, rule.method))
        score = similarity_score(turn.text, best, rule.method)
        if score >= rule.threshold and _in_window(ctx, item, turn.start):
            out.append(Finding(turn.start, turn.end, turn.text[:40], turn.role, best))
    return out


@dataclass
class SemanticScores:
    """Per candidate clause: where it is, its nearest example and the similarities."""

    units: list[tuple[int, int, int]]  # (turn index, start, end)
    texts: list[str]
    best: np.ndarray  # similarity to the nearest example of the clause's polarity
    best_example: list[str]
    counter: np.ndarray  # similarity to the nearest counter-example / other item's example / background
    vectors: np.ndarray | None = None  # the clauses' vectors (for the rule's classifier)
    own: frozenset[str] = frozenset()  # known sentences that are not counter-evidence
    examples: tuple[str, ...] = ()  # the rule's examples that scored (held-out ones left out)


_OWN: dict[tuple, tuple] = {}


def _own_sentences(rule: R.SemanticRule, item, ctx) -> frozenset[str]:
    """Sentences that do not argue against the rule: its item's own, compatible items', other
    rules' private negatives, held out (one frozenset per rule and hold-out set, so the caches keyed by it hash it once)."""
    key = (id(rule), id(item), id(ctx.rubric), ctx.holdout)
    hit = _OWN.get(key)
    if hit is not None and hit[0] is rule and hit[1] is item and hit[2] is ctx.rubric:  # ids can be reused
        return hit[3]
    own = frozenset(R.item_phrases(item)) | ctx.holdout
    if ctx.rubric is not None:
        # other rules' private negatives argue against those rules only
        own |= ctx.rubric.private_sentences() - frozenset((*rule.negatives, *rule.examples))
        if rule.compatible:
            own |= ctx.rubric.phrases_of(tuple(rule.compatible))
    if len(_OWN) > 4096:
        _OWN.clear()
    _OWN[key] = (rule, item, ctx.rubric, own)
    return own


def _excluded(clause: str, rule: R.SemanticRule) -> bool:
    """A clause holding one of the rule's context words, as written or (``exclude_by_sound``)
    misheard: from three characters on, since two-character words by sound also read ordinary
    words across a word boundary (乐死 as 了事, 梦游 as 们有)."""
    return mentions_or_heard(clause, rule.exclude, rule.exclude_by_sound, from_chars=3)


def _turn_excluded(text: str, rule: R.SemanticRule) -> bool:
    """A turn holding one of the rule's turn context words, heard as its clause words are
    (``exclude_by_sound``, from three characters on): 想问问 misheard as 想问文 is still a request."""
    return bool(rule.exclude_turn) and mentions_or_heard(text, rule.exclude_turn, rule.exclude_by_sound, from_chars=3)


def semantic_scores(rule: R.SemanticRule, item, ctx) -> SemanticScores | None:
    cv, known = ctx.vectors, ctx.known
    if cv is None or known is None or not len(cv.units):
        return None
    allowed = {ti for ti, _ in ctx.turns_in(item.role)}
    rows = [k for k, (ti, s, e) in enumerate(cv.units)
            if ti in allowed and len(normalize_for_compare(ctx.turns[ti].text[s:e])) >= rule.min_chars
            and _in_window(ctx, item, char_time(ctx.turns[ti], s))
            and not _excluded(ctx.turns[ti].text[s:e], rule)
            and not _turn_excluded(ctx.turns[ti].text, rule)
            and not inside_reported(_reported(rule, ctx.turns[ti].text), s, e)]
    if not rows:
        return None
    examples = [x for x in rule.examples if x not in ctx.holdout] or rule.examples
    ex_cols = np.array([known.index[x] for x in examples])
    own = _own_sentences(rule, item, ctx)
    co_cols = _counter_columns(known, own)
    S = ctx.sims[rows]
    sims = S[:, ex_cols]
    texts = [ctx.turns[cv.units[r][0]].text[cv.units[r][1]:cv.units[r][2]] for r in rows]
    if rule.negation and ctx.negation:
        cl_neg = np.array([has_cue(x, ctx.negation) for x in texts])
        sims = np.where(cl_neg[:, None] == known.negated[ex_cols][None, :], sims, -1.0)
    best_i = sims.argmax(axis=1)
    counter = S[:, co_cols].max(axis=1) if len(co_cols) else np.full(len(rows), -1.0)
    return SemanticScores([cv.units[r] for r in rows], texts, sims[np.arange(len(rows)), best_i],
                          [examples[i] for i in best_i], counter, cv.vectors[rows], own, tuple(examples))


_COUNTER_COLS: dict[tuple[int, frozenset[str]], np.ndarray] = {}


def _counter_columns(known, excluded: frozenset[str]) -> np.ndarray:
    """Columns of the known sentences a rule competes with: all but its item's own."""
    key = (id(known), excluded)
    if key not in _COUNTER_COLS:
        if len(_COUNTER_COLS) > 4096:
            _COUNTER_COLS.clear()
        _COUNTER_COLS[key] = np.array([i for i, t in enumerate(known.texts) if t not in excluded], dtype=int)
    return _COUNTER_COLS[key]


def semantic(rule: R.SemanticRule, item, ctx) -> list[Finding]:
    """Clauses of the item's role and window that mean what one of the rule's examples means:
    similarity to the nearest example >= floor and ahead by the margin of everything else the
    rubric knows (the rule's counter-examples, other items' examples, background talk), so a
    clause goes to the nearest meaning. With ``negation``, a clause is compared only with
    examples of its own polarity (embeddings put 我要投诉 and 我不投诉 close together).
    At most one finding per turn: its clause nearest an example (the clearest quote, not the
    first clause that qualifies)."""
    sc = semantic_scores(rule, item, ctx)
    if sc is None:
        return []
    match = semantic_decision(rule, ctx, sc)
    clearest: dict[int, int] = {}  # turn index -> clause
    for k, (ti, _, _) in enumerate(sc.units):
        if match[k] and (ti not in clearest or sc.best[k] > sc.best[clearest[ti]]):
            clearest[ti] = k
    out = []
    for k in sorted(clearest.values()):
        ti, s, e = sc.units[k]
        turn = ctx.turns[ti]
        out.append(Finding(char_time(turn, s), char_time(turn, e), sc.texts[k][:40], turn.role, rule.label or sc.best_example[k]))
    return out


def semantic_decision(rule: R.SemanticRule, ctx, sc: SemanticScores) -> np.ndarray:
    """Per clause: does it mean what the rule's examples mean (see ``SemanticRule.decision``)."""
    cal = ctx.calibration
    floor = R.threshold_for(rule.min_similarity, ctx.encoder.name, cal.min_similarity)
    margin = R.threshold_for(rule.margin, ctx.encoder.name, cal.margin)
    nearest = (sc.best >= floor) & (sc.best - sc.counter >= margin)
    decision = rule.decision or (ctx.rubric.semantic.decision if ctx.rubric is not None else "nearest")
    if decision == "nearest" or sc.vectors is None:
        return nearest
    from .meaning import rule_model

    own = sc.own
    if ctx.holdout:
        # leave-one-out (`rubric test`): a held-out sentence leaves the training set of the rules
        # it is an example or counter-example of; for every other rule it is one negative among
        # hundreds and the full model is kept (one refit per case instead of one per rule)
        theirs = ctx.holdout & frozenset((*rule.examples, *rule.counter_examples, *rule.negatives))
        own = (own - ctx.holdout) | theirs
    model = rule_model(sc.examples, ctx.known, own)
    if model is None:
        return nearest
    p_min = R.threshold_for(rule.min_probability, ctx.encoder.name, cal.min_probability)
    # the polarity test of semantic_scores still applies: best is -1 against examples of the
    # other polarity only
    prob = model.probability(sc.vectors)
    classifier = (prob >= p_min) & (sc.best > -1.0)
    if decision == "classifier":
        return classifier
    near_enough = sc.best >= floor - cal.classifier_slack
    if decision == "both":
        # both agree; a clause the classifier is sure of also matches
        sure = prob >= cal.sure_probability if cal.sure_probability < 1 else False
        if cal.sure_counter_slack is not None:
            sure = sure & (sc.best >= sc.counter - cal.sure_counter_slack)
        return (nearest & classifier) | (sure & near_enough & (sc.best > -1.0))
    return nearest | (classifier & near_enough)


def any_of(rule: R.AnyOfRule, item, ctx) -> list[Finding]:
    """Findings of the sub-rules in order; a later finding that overlaps one already kept
    (the same words found by keyword and by meaning) is not quoted again, but its rule type is
    added to the kept finding's ``kinds`` (so the evidence is as strong in any rule order)."""
    out: list[Finding] = []
    for sub in rule.rules:
        for f in findings_of(sub, item, ctx):
            k = next((k for k, g in enumerate(out) if f.start < g.end and g.start < f.end or (f.start, f.end) == (g.start, g.end)), None)
            if k is None:
                out.append(f)
            else:  # the words are already quoted; remember that this kind of rule found them too
                out[k] = replace(out[k], kinds=tuple(dict.fromkeys(out[k].kinds + f.kinds)))
    return sorted(out, key=lambda f: f.start)


def silence(rule: R.SilenceRule, item, ctx) -> list[Finding]:
    out = []
    agent_turns = [t for t in ctx.turns if t.role == "agent"]
    for a, b in silences(ctx):
        limit = rule.max_seconds
        notice = next(
            (t for t in agent_turns if a - HOLD_LOOKBACK <= t.end <= a + 0.5
             and any(find_phrase(t.text, p, "fuzzy") for p in rule.hold_phrases)),
            None,
        )
        if notice is not None:
            limit = max(limit, rule.max_hold_seconds)
        if b - a > limit and _in_window(ctx, item, a):
            why = f"静音{b - a:.1f}秒" + ("（已提示稍等）" if notice is not None else "")
            out.append(Finding(a, b, why, "any", "silence"))
    return out


def overtalk(rule: R.OvertalkRule, item, ctx) -> list[Finding]:
    return [
        Finding(o.start, o.end, f"{'抢话' if o.by == 'agent' else '客户打断'}{o.duration:.1f}秒：{o.text[:20]}", o.by, "overtalk")
        for o in find_overtalk(ctx, rule.by, rule.min_seconds)
    ]


def speech_rate(rule: R.SpeechRateRule, item, ctx) -> list[Finding]:
    out = []
    for _, t in ctx.turns_in(item.role):
        dur = t.end - t.start
        if dur >= rule.min_turn_seconds and len(t.text) / dur > rule.max_chars_per_sec:
            out.append(Finding(t.start, t.end, f"语速{len(t.text) / dur:.1f}字/秒：{t.text[:20]}", t.role, "rate"))
    return out


def call_length(rule: R.CallLengthRule, item, ctx) -> list[Finding]:
    if ctx.duration < rule.min_seconds:
        return [Finding(0.0, ctx.duration, f"通话仅{ctx.duration:.1f}秒", "any", "short")]
    return []


def raised_voice(rule: R.RaisedVoiceRule, item, ctx) -> list[Finding]:
    out = []
    above_base = loudness_above_baseline(ctx.acoustics, [t.speaker for t in ctx.turns], min_turns=3)
    for i, t in ctx.turns_in(item.role):
        above = above_base.get(i)
        if above is not None and above >= rule.db_above_baseline:
            out.append(Finding(t.start, t.end, f"音量高于本人基线{above:.1f}dB：{t.text[:20]}", t.role, "loud"))
    return out


_LEVEL = {"calm": 0, "negative": 1, "angry": 2}


def emotion(rule: R.EmotionRule, item, ctx) -> list[Finding]:
    out = []
    for i, t in ctx.turns_in(item.role):
        label = ctx.emotions[i] if i < len(ctx.emotions) else "calm"
        if _LEVEL[label] >= _LEVEL[rule.level] and not mentions(t.text, rule.exclude_turn):
            out.append(Finding(t.start, t.end, t.text[:40], t.role, label))
    return out


def agent_care(rule: R.AgentCareRule, item, ctx) -> list[Finding]:
    return [f for f, _, _ in _phrase_hits(ctx, item, rule.insults, rule.mode, rule)]


PII_NAMES = {"mobile": "手机号", "landline": "固话", "id_card": "身份证号", "bank_card": "银行卡号", "email": "邮箱", "number": "长数字"}


def pii(rule: R.PiiRule, item, ctx) -> list[Finding]:
    out = []
    for _, t in ctx.turns_in(item.role):
        for s in find_pii(t.text):
            out.append(Finding(char_time(t, s.start), char_time(t, s.end), f"{PII_NAMES[s.kind]}：{t.text[s.start:s.end]}", t.role, s.kind))
    return out


EVALUATORS: dict[type, Callable[..., list[Finding]]] = {
    R.KeywordRule: keyword, R.RegexRule: regex, R.ProximityRule: proximity, R.SequenceRule: sequence,
    R.SimilarityRule: similarity, R.SilenceRule: silence, R.OvertalkRule: overtalk, R.SpeechRateRule: speech_rate,
    R.CallLengthRule: call_length, R.RaisedVoiceRule: raised_voice, R.EmotionRule: emotion,
    R.AgentCareRule: agent_care, R.PiiRule: pii, R.SemanticRule: semantic, R.AnyOfRule: any_of,
}


def findings_of(rule, item: R.Item, ctx: ScoringContext) -> list[Finding]:
    """What ``rule`` finds in the call, in ``item``'s role and window, each finding marked with
    the type of the (leaf) rule that found it."""
    return [f if f.kinds else replace(f, kinds=(rule.type,)) for f in EVALUATORS[type(rule)](rule, item, ctx)]


def evaluate(item: R.Item, ctx: ScoringContext) -> list[Finding]:
    return findings_of(item.rule, item, ctx)
