"""Propose rubric thresholds from supervisors' dispute verdicts (``voiceqa rubric calibrate``).

An accepted dispute says its flag was false, a rejected one that it was true. For each item
of the rubric with decided disputes, every disputed call is scored again from what the
database stores (transcript, clause vectors; no audio, no ASR) with the item's tunable number
(a semantic rule's ``min_similarity`` or, for classifier decisions, ``min_probability``; a
similarity rule's ``threshold``) set to each value of a grid. The proposal is the value that
drops the most false (accepted) flags while every true (rejected) flag is still raised,
nearest to the current value among equals; its cost is counted on the item's flags nobody
disputed (presumed true) over every stored call scored with the rubric.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal

import numpy as np
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import InputError, RubricError
from ..text.lexicon import LEXICON_DIR
from .rubric import AnyOfRule, Item, Rubric, SemanticRule, SequenceRule, SimilarityRule, leaf_rules, load_rubric, threshold_for
from .scorer import Flag, ScoringInput, flags_of_item, prepare_context

DEFAULT_MIN_VERDICTS = 5
STEP = 0.01  # grid of candidate values
CHUNK = 200  # stored calls read per query when counting the cost of a proposal
MAX_QUOTES = 5


# ---- results ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tunable:
    """The number of one leaf rule of an item that calibration may move."""

    leaf: int  # index in ``leaf_rules(item.rule)``
    rule_type: str  # semantic | similarity
    param: str  # min_similarity | min_probability | threshold
    current: float  # the value in force for the rubric's encoder
    encoder_key: str | None  # per-encoder entry written ({use: 0.55}); None: a plain number
    low: float
    high: float
    name: str = ""  # the rule's label (an item's any_of may hold several semantic rules)

    @property
    def label(self) -> str:
        rule = f"{self.rule_type} rule {self.name!r}" if self.name else f"{self.rule_type} rule #{self.leaf + 1}"
        return f"{rule} {self.param}" + (f" ({self.encoder_key})" if self.encoder_key else "")


@dataclass(frozen=True)
class Proposal:
    tunable: Tunable
    value: float | None  # None: no value drops a false flag while keeping every true one
    reason: str  # why there is no value (empty with one)
    false_raised: int  # accepted-dispute flags the current value raises
    false_dropped: int  # ... of which the proposed value drops
    true_raised: int  # rejected-dispute flags the current value raises
    true_kept: int  # ... of which the proposed value keeps (all of them, by construction)
    precision_after: float | None  # on the disputed flags, at the proposed value
    undisputed: int = 0  # flags of the item nobody disputed, at the current value
    undisputed_dropped: int = 0  # ... the proposed value would drop (presumed true: the cost)
    undisputed_added: int = 0  # new flags the proposed value would raise


@dataclass(frozen=True)
class ItemCalibration:
    item: str
    name: str
    accepted: int
    rejected: int
    raised_now: int  # disputed flags the rubric still raises as it is
    precision_now: float | None  # rejected share of those (None when none is raised)
    status: Literal["proposal", "too_few", "no_threshold"]
    proposals: tuple[Proposal, ...] = ()
    quotes: tuple[str, ...] = ()  # evidence of the accepted (false) flags

    @property
    def verdicts(self) -> int:
        return self.accepted + self.rejected


@dataclass(frozen=True)
class CalibrationReport:
    rubric: str  # the label of the rubric calibrated
    encoder: str | None
    calls: int  # stored calls scored with a version of the rubric
    disputed_calls: int
    accepted: int
    rejected: int
    min_verdicts: int
    items: tuple[ItemCalibration, ...]
    other_items: int  # decided disputes of items the rubric no longer has

    def proposed(self) -> list[tuple[str, Proposal]]:
        return [(it.item, p) for it in self.items for p in it.proposals if p.value is not None]


@dataclass(frozen=True)
class _Verdict:
    call_pk: int
    item: str
    start: float
    end: float
    evidence: str
    accepted: bool


# ---- the tunable numbers ---------------------------------------------------------------------

def tunables(item: Item, rubric: Rubric, encoder_name: str | None) -> list[Tunable]:
    """The numbers of ``item``'s rules calibration can move (keyword-like rules have none)."""
    out = []
    for i, r in enumerate(leaf_rules(item.rule)):
        if isinstance(r, SemanticRule) and encoder_name is not None:
            cal = rubric.semantic.thresholds(encoder_name)
            decision = r.decision or rubric.semantic.decision
            param, default = ("min_probability", cal.min_probability) if decision == "classifier" else ("min_similarity", cal.min_similarity)
            value = getattr(r, param)
            key = None
            if not isinstance(value, (int, float)):  # per encoder (or unset): write the encoder's entry
                key = next((k for k in (value or {}) if encoder_name.startswith(k)), None)
                key = key or (rubric.semantic.encoder if encoder_name.startswith(rubric.semantic.encoder) else encoder_name)
            low, high = (0.05, 0.95) if param == "min_probability" else (0.05, 0.99)
            out.append(Tunable(i, "semantic", param, round(threshold_for(value, encoder_name, default), 4), key, low, high, r.label))
        elif isinstance(r, SimilarityRule):
            out.append(Tunable(i, "similarity", "threshold", float(r.threshold), None, 0.05, 1.0))
    return out


def _replace_leaf(rule: Any, index: int, new: Any) -> tuple[Any, int]:
    """``rule`` with its ``index``-th leaf (depth first, as ``leaf_rules``) replaced by ``new``."""
    if isinstance(rule, AnyOfRule):
        subs = []
        for sub in rule.rules:
            sub, index = _replace_leaf(sub, index, new)
            subs.append(sub)
        return rule.model_copy(update={"rules": subs}), index
    if isinstance(rule, SequenceRule) and rule.then_semantic is not None:  # leaves: itself, then_semantic
        if index == 0:
            return new, -1
        if index == 1:
            return rule.model_copy(update={"then_semantic": new}), -1
        return rule, index - 2
    return (new if index == 0 else rule), index - 1


def with_value(item: Item, tunable: Tunable, value: float) -> Item:
    """A copy of ``item`` whose tunable number is ``value`` (the rubric file is untouched)."""
    leaf = leaf_rules(item.rule)[tunable.leaf].model_copy(update={tunable.param: float(value)})
    rule, _ = _replace_leaf(item.rule, tunable.leaf, leaf)
    return item.model_copy(update={"rule": rule})


def grid(t: Tunable) -> list[float]:
    values = set(np.round(np.arange(t.low, t.high + STEP / 2, STEP), 2).tolist())
    values.add(round(t.current, 4))
    return sorted(v for v in values if 0 < v <= 1 and not (t.param == "min_probability" and v >= 1))


# ---- reading the database --------------------------------------------------------------------

def _rubric_calls(name: str):
    from ..store.models import Call

    return Call.rubric.startswith(f"{name}@", autoescape=True)


def _check_calls(session: Session, rubric: Rubric, db_label: str) -> int:
    from ..store.models import Call

    total = session.scalar(select(func.count(Call.id))) or 0
    if not total:
        raise InputError(db_label, "no scored calls in this database")
    mine = session.scalar(select(func.count(Call.id)).where(_rubric_calls(rubric.name))) or 0
    if not mine:
        stored = sorted({str(r).partition("@")[0] for r in session.scalars(select(Call.rubric).distinct())})
        raise InputError(db_label, f"no calls scored with rubric {rubric.name!r} (stored: {', '.join(stored)})")
    return mine


def _verdicts(session: Session, rubric: Rubric, since: dt.date | None) -> list[_Verdict]:
    from ..store.models import Call, Dispute
    from ..timeutil import day_start

    stmt = (select(Dispute).join(Call, Call.id == Dispute.call_pk)
            .where(Dispute.status.in_(("accepted", "rejected")), _rubric_calls(rubric.name))
            .order_by(Dispute.decided_at, Dispute.id))
    if since is not None:
        stmt = stmt.where(Dispute.decided_at >= day_start(since))
    # one verdict per flag: a flag disputed again counts with its latest decision
    latest = {(d.call_pk, d.item, round(d.flag_start, 2), round(d.flag_end, 2)): d for d in session.scalars(stmt)}
    return [_Verdict(d.call_pk, d.item, d.flag_start, d.flag_end, d.evidence or "", d.status == "accepted")
            for d in sorted(latest.values(), key=lambda d: d.id)]


def _inputs(session: Session, pks: Iterable[int]) -> Iterator[tuple[int, ScoringInput]]:
    from ..store.models import Call

    pks = list(pks)
    for i in range(0, len(pks), CHUNK):
        for pk, data in session.execute(select(Call.id, Call.transcript).where(Call.id.in_(pks[i:i + CHUNK]))):
            yield pk, ScoringInput.from_json(data)


# ---- matching flags with verdicts ------------------------------------------------------------

def _raised(verdicts: list[_Verdict], flags: list[Flag]) -> list[bool]:
    """Per verdict (all of one call and item): is its flag among ``flags`` (same item,
    overlapping time, each flag matched once)?"""
    from ..store.repo import match_flag

    taken: set[int] = set()
    return [match_flag(_AsDispute(v), flags, taken) is not None for v in verdicts]


class _AsDispute:
    """A verdict seen as the dispute ``match_flag`` compares a new flag with."""

    def __init__(self, v: _Verdict):
        self.item, self.flag_start, self.flag_end = v.item, v.start, v.end


def _unmatched(flags: list[Flag], verdicts: list[_Verdict]) -> list[Flag]:
    """``flags`` less those matched by a verdict (the undisputed ones)."""
    from ..store.repo import match_flag

    taken: set[int] = set()
    for v in verdicts:
        match_flag(_AsDispute(v), flags, taken)
    return [f for i, f in enumerate(flags) if i not in taken]


def _same(a: Flag, b: Flag) -> bool:
    from ..store.repo import _overlap

    return a.item == b.item and _overlap(a.start, a.end, b.start, b.end) is not None


# ---- the calibration -------------------------------------------------------------------------

def calibrate(db_url: str, rubric: Rubric, since: dt.date | None = None, min_verdicts: int = DEFAULT_MIN_VERDICTS) -> CalibrationReport:
    """Per rubric item with decided disputes: verdicts, precision now, and proposed thresholds."""
    from ..masking import mask_secrets
    from ..store.db import make_engine, session_factory

    db_label = mask_secrets(db_url)
    engine = make_engine(db_url)  # not connected: a read-only command must not create an SQLite file
    sqlite_path = engine.url.database if engine.dialect.name == "sqlite" else None
    engine.dispose()
    if sqlite_path and sqlite_path != ":memory:" and not Path(sqlite_path).is_file():
        raise InputError(db_label, "database file not found")
    with session_factory(db_url)() as session:
        n_calls = _check_calls(session, rubric, db_label)
        verdicts = _verdicts(session, rubric, since)
        if not verdicts:
            when = f" decided since {since.isoformat()}" if since else ""
            raise InputError(db_label, f"no decided disputes{when} on calls scored with rubric {rubric.name!r}")
        items = {it.id: it for it in rubric.items}
        by_item: dict[str, list[_Verdict]] = defaultdict(list)
        other = 0
        for v in verdicts:
            if v.item in items:
                by_item[v.item].append(v)
            else:
                other += 1
        if not by_item:
            raise InputError(db_label, f"the {other} decided disputes are about items rubric {rubric.label} no longer has")

        encoder_name = None
        if rubric.semantic_rules():
            from ..embeddings import get_encoder

            encoder_name = get_encoder(rubric.semantic.encoder).name

        disputed = sorted({v.call_pk for v in verdicts if v.item in items})
        contexts = {pk: prepare_context(inp.transcript, rubric, inp.acoustics, inp.vectors).ctx for pk, inp in _inputs(session, disputed)}

        results: list[ItemCalibration] = []
        pending: list[tuple[Item, Tunable, float, list[_Verdict]]] = []  # proposals to cost
        for item_id in [it.id for it in rubric.items if it.id in by_item]:
            item, vs = items[item_id], by_item[item_id]
            per_call: dict[int, list[_Verdict]] = defaultdict(list)
            for v in vs:
                per_call[v.call_pk].append(v)
            now = _evaluate(item, rubric, per_call, contexts)
            acc = sum(v.accepted for v in vs)
            rej = len(vs) - acc
            raised_now = sum(now.values())
            true_now = sum(1 for v in vs if now[id(v)] and not v.accepted)
            precision = true_now / raised_now if raised_now else None
            quotes = tuple(dict.fromkeys(v.evidence for v in vs if v.accepted and v.evidence))[:MAX_QUOTES]
            base = dict(item=item.id, name=item.name, accepted=acc, rejected=rej, raised_now=raised_now,
                        precision_now=precision, quotes=quotes)
            if len(vs) < min_verdicts:
                results.append(ItemCalibration(status="too_few", **base))
                continue
            tus = tunables(item, rubric, encoder_name)
            if not tus:
                results.append(ItemCalibration(status="no_threshold", **base))
                continue
            proposals = []
            for t in tus:
                p = _propose(item, t, rubric, per_call, contexts, now)
                proposals.append(p)
                if p.value is not None:
                    pending.append((item, t, p.value, vs))
            results.append(ItemCalibration(status="proposal", proposals=tuple(proposals), **base))

        if pending:
            cost = _cost(session, rubric, pending, verdicts)
            results = [_with_cost(r, cost) for r in results]
    return CalibrationReport(rubric.label, encoder_name, n_calls, len(disputed), sum(v.accepted for v in verdicts),
                             sum(not v.accepted for v in verdicts), min_verdicts, tuple(results), other)


def _evaluate(item: Item, rubric: Rubric, per_call: dict[int, list[_Verdict]], contexts) -> dict[int, bool]:
    """{id(verdict): its flag is raised} with ``item`` as given."""
    out: dict[int, bool] = {}
    for pk, vs in per_call.items():
        flags, _ = flags_of_item(item, contexts[pk], rubric)
        for v, hit in zip(vs, _raised(vs, flags)):
            out[id(v)] = hit
    return out


def _propose(item: Item, t: Tunable, rubric: Rubric, per_call, contexts, now: dict[int, bool]) -> Proposal:
    vs = [v for group in per_call.values() for v in group]
    false_now = [v for v in vs if v.accepted and now[id(v)]]
    true_now = [v for v in vs if not v.accepted and now[id(v)]]
    empty = Proposal(t, None, "", len(false_now), 0, len(true_now), len(true_now), None)
    if not false_now:
        return _replace(empty, reason="the rubric no longer raises any false flag of this item")
    values = grid(t)
    # a higher number only removes findings, a lower one only adds some: when neither end of
    # the grid drops a false flag, no value between does
    ends = [_evaluate(with_value(item, t, v), rubric, per_call, contexts) for v in (values[0], values[-1])]
    if not any(not raised[id(v)] for raised in ends for v in false_now):
        reason = ("no value of this number finds what the false flags say was missed" if item.expect == "present"
                  else "no value of this number drops a false flag (another rule of the item raises them)")
        return _replace(empty, reason=reason + ": keeping the current value")
    best: tuple | None = None
    for value in values:
        raised = _evaluate(with_value(item, t, value), rubric, per_call, contexts)
        dropped = sum(not raised[id(v)] for v in false_now)
        if dropped == 0 or not all(raised[id(v)] for v in true_now):
            continue
        key = (dropped, -abs(value - t.current), -value)
        if best is None or key > best[0]:
            kept = [v for v in vs if raised[id(v)]]
            precision = sum(not v.accepted for v in kept) / len(kept) if kept else None
            best = (key, value, dropped, precision)
    if best is None:
        return _replace(empty, reason="every value that drops a false flag also drops a true one: keeping the current value")
    _, value, dropped, precision = best
    return Proposal(t, value, "", len(false_now), dropped, len(true_now), len(true_now), precision)


def _replace(p: Proposal, **changes) -> Proposal:
    from dataclasses import replace

    return replace(p, **changes)


def _cost(session: Session, rubric: Rubric, pending, verdicts: list[_Verdict]) -> dict[tuple[str, int], tuple[int, int, int]]:
    """{(item, leaf): (undisputed flags now, of them dropped, new flags added)} over every
    stored call scored with the rubric."""
    from ..store.models import Call

    by_call: dict[int, list[_Verdict]] = defaultdict(list)
    for v in verdicts:
        by_call[v.call_pk].append(v)
    pks = session.scalars(select(Call.id).where(_rubric_calls(rubric.name)).order_by(Call.id)).all()
    counts = {(item.id, t.leaf): [0, 0, 0] for item, t, _, _ in pending}
    for pk, inp in _inputs(session, pks):
        ctx = prepare_context(inp.transcript, rubric, inp.acoustics, inp.vectors).ctx
        for item, t, value, _ in pending:
            mine = [v for v in by_call.get(pk, []) if v.item == item.id]
            before = _unmatched(flags_of_item(item, ctx, rubric)[0], mine)
            after_all = flags_of_item(with_value(item, t, value), ctx, rubric)[0]
            after = _unmatched(after_all, mine)
            c = counts[(item.id, t.leaf)]
            c[0] += len(before)
            c[1] += sum(not any(_same(f, g) for g in after) for f in before)
            c[2] += sum(not any(_same(g, f) for f in before) for g in after)
    return {k: tuple(v) for k, v in counts.items()}  # type: ignore[misc]


def _with_cost(r: ItemCalibration, cost) -> ItemCalibration:
    if not r.proposals:
        return r
    props = tuple(_replace(p, undisputed=c[0], undisputed_dropped=c[1], undisputed_added=c[2])
                  if p.value is not None and (c := cost.get((r.item, p.tunable.leaf))) else p for p in r.proposals)
    return _replace(r, proposals=props)  # type: ignore[arg-type]


# ---- writing the calibrated copy -------------------------------------------------------------

def _fmt(value: float) -> str:
    return f"{round(value, 4):g}"


def _mapping_get(node: yaml.MappingNode, key: str):
    return next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _insert_entry(text: str, node: yaml.MappingNode, key: str, value: str) -> tuple[int, str]:
    """(position, text) that adds ``key: value`` to the mapping ``node``: before the closing
    brace of a flow mapping; on a new line under its first key in a block mapping."""
    if node.flow_style:
        end = node.end_mark.index - 1
        assert text[end] == "}", "a flow mapping ends with }"
        sep = ", " if node.value else ""
        return end, f"{sep}{key}: {value}"
    first_key, first_value = node.value[0]
    eol = text.find("\n", first_value.end_mark.index)
    eol = len(text) if eol < 0 else eol
    return eol, "\n" + " " * first_key.start_mark.column + f"{key}: {value}"


def _leaf_nodes(node) -> list:
    """The YAML mapping nodes of a rule's leaves, depth first (as ``leaf_rules``)."""
    if isinstance(node, yaml.MappingNode):
        kind = _mapping_get(node, "type")
        if kind is not None and kind.value == "any_of":
            subs = _mapping_get(node, "rules")
            return [leaf for sub in (subs.value if subs is not None else []) for leaf in _leaf_nodes(sub)]
        nested = _mapping_get(node, "then_semantic")
        if kind is not None and kind.value == "sequence" and isinstance(nested, yaml.MappingNode):
            return [node, nested]
    return [node]


def _lexicon_path(name: str, base: Path) -> Path:
    local = base / name
    return local if local.is_file() else LEXICON_DIR / Path(name).name


def calibrated_text(text: str, proposals: list[tuple[str, Proposal]], source_dir: Path, out_dir: Path) -> str:
    """``text`` (the rubric YAML) with the proposed values written in place: only those
    numbers change (comments, order and layout are kept). Lexicon files that would no longer
    be found from ``out_dir`` are named by their absolute path."""
    root = yaml.compose(text)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
    item_nodes = {}
    items = _mapping_get(root, "items")
    for node in items.value if items is not None else []:
        ident = _mapping_get(node, "id")
        if ident is not None:
            item_nodes[ident.value] = node
    for item_id, p in proposals:
        t, value = p.tunable, _fmt(p.value)  # type: ignore[arg-type]
        leaf = _leaf_nodes(_mapping_get(item_nodes[item_id], "rule"))[t.leaf]
        current = _mapping_get(leaf, t.param)
        if current is None:
            entry = value if t.encoder_key is None else f"{{{t.encoder_key}: {value}}}"
            pos, new = _insert_entry(text, leaf, t.param, entry)
            edits.append((pos, pos, new))
        elif isinstance(current, yaml.ScalarNode):
            edits.append((current.start_mark.index, current.end_mark.index, value))
        else:  # per encoder
            entry = _mapping_get(current, t.encoder_key)
            if entry is not None:
                edits.append((entry.start_mark.index, entry.end_mark.index, value))
            else:
                pos, new = _insert_entry(text, current, t.encoder_key, value)
                edits.append((pos, pos, new))
    lexicons = _mapping_get(root, "lexicons")
    if isinstance(lexicons, yaml.SequenceNode) and source_dir.resolve() != out_dir.resolve():
        for node in lexicons.value:
            src = _lexicon_path(node.value, source_dir)
            if src.resolve() != _lexicon_path(node.value, out_dir).resolve():
                edits.append((node.start_mark.index, node.end_mark.index, json.dumps(str(src.resolve()), ensure_ascii=False)))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def write_calibrated(rubric_arg: str, rubric: Rubric, report: CalibrationReport, out: Path) -> Rubric:
    """Write a copy of the rubric with the proposed values to ``out`` (never over the input),
    load it back and check every proposed value took effect; returns the loaded copy."""
    from importlib import resources

    if rubric_arg == "default":
        text = (resources.files("voiceqa.rubrics") / "default.yaml").read_text(encoding="utf-8")
        source_dir = LEXICON_DIR.parent
    else:
        src = Path(rubric_arg)
        if out.exists() and out.resolve() == src.resolve():
            raise InputError(out, "--out is the input rubric: write the calibrated copy to another file")
        text = src.read_text(encoding="utf-8")
        source_dir = src.parent
    if out.is_dir():
        raise InputError(out, "--out is a folder: name a YAML file")
    if not out.parent.is_dir():
        raise InputError(out, "the folder of --out does not exist")
    new_text = calibrated_text(text, report.proposed(), source_dir, out.parent)
    try:
        out.write_text(new_text, encoding="utf-8")
    except OSError as exc:
        raise InputError(out, f"cannot write ({exc.strerror})") from None
    try:
        copy = load_rubric(out)
    except RubricError as exc:  # pragma: no cover - a bug in calibrated_text
        raise InputError(out, f"the calibrated copy does not load ({exc.reason})") from None
    items = {it.id: it for it in copy.items}
    for item_id, p in report.proposed():
        leaf = leaf_rules(items[item_id].rule)[p.tunable.leaf]
        got = threshold_for(getattr(leaf, p.tunable.param), report.encoder or "", -1.0)
        if abs(got - float(p.value)) > 1e-9:  # pragma: no cover - a bug in calibrated_text
            raise InputError(out, f"item {item_id!r}: {p.tunable.param} reads {got}, expected {p.value}")
    return copy
