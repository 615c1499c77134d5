"""Precision and recall of a rubric's items on sentences: the items' own examples and
counter-examples (leave-one-out: an example is tested with itself removed) and a labelled file.

A labelled file is YAML: a list of cases, or a mapping with a ``cases`` list::

    cases:
      - {text: 这个我真的管不了, role: agent, item: forbidden, expect: true}
      - {text: 页面会自动滚动, role: agent, category: forbidden_phrase, expect: false}

``item`` names one item; ``category`` means "any item of this category". ``expect`` (or
``label``) true = the item must fire (for presence items: must find the phrase).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import InputError
from ..schema import Region, Transcript, Turn
from .confusion import Confusion
from .context import ScoringContext
from .rubric import Item, Rubric, SemanticRule, leaf_rules
from .rules import evaluate
from .respell import respell
from .semantic import ClauseVectors, attach, call_units, example_vectors, units_key


@dataclass(frozen=True)
class Case:
    text: str
    role: str
    items: tuple[str, ...]  # item ids any of which firing counts
    key: str  # what precision/recall is reported under (item id or category)
    positive: bool
    source: str  # "examples" or the labelled file's name
    holdout: frozenset[str] = frozenset()


@dataclass
class Stats(Confusion):
    key: str
    source: str
    misses: list[str] = field(default_factory=list)  # texts judged wrongly (first few)


def own_cases(rubric: Rubric) -> list[Case]:
    """Each item's semantic examples (must fire) and counter-examples and negatives (must not), and the
    rubric's background talk (must fire no item); each sentence judged without itself."""
    out = []
    for item in rubric.items:
        role = "agent" if item.role == "any" else item.role
        rules = [r for r in leaf_rules(item.rule) if isinstance(r, SemanticRule)]
        if rules:
            for x in rubric.semantic.background:
                out.append(Case(x, role, (item.id,), item.id, False, "examples", frozenset({x})))
        for rule in rules:
            for x in rule.examples:
                out.append(Case(x, role, (item.id,), item.id, True, "examples", frozenset({x})))
            for x in (*rule.counter_examples, *rule.negatives):
                out.append(Case(x, role, (item.id,), item.id, False, "examples", frozenset({x})))
    return out


def labelled_cases(path: Path, rubric: Rubric) -> list[Case]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(path, "labelled file not found") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(path, f"malformed YAML ({exc.__class__.__name__})") from None
    rows = data.get("cases") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise InputError(path, "expected a list of cases (text, role, item or category, expect)")
    ids = {it.id: it for it in rubric.items}
    by_cat: dict[str, list[Item]] = {}
    for it in rubric.items:
        by_cat.setdefault(it.category, []).append(it)
    out = []
    for i, row in enumerate(rows):
        where = f"case {i + 1}"
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise InputError(path, f"{where}: needs a 'text'")
        expect = row.get("expect", row.get("label"))
        if not isinstance(expect, bool):
            raise InputError(path, f"{where}: 'expect' must be true or false")
        if "item" in row:
            if row["item"] not in ids:
                raise InputError(path, f"{where}: unknown item {row['item']!r}")
            items, key = (row["item"],), row["item"]
        elif "category" in row:
            if row["category"] not in by_cat:
                raise InputError(path, f"{where}: no item of category {row['category']!r} in {rubric.label}")
            items, key = tuple(it.id for it in by_cat[row["category"]]), row["category"]
        else:
            raise InputError(path, f"{where}: needs 'item' or 'category'")
        role = row.get("role") or ids[items[0]].role
        if role not in ("agent", "customer"):
            role = "agent"
        out.append(Case(row["text"], role, items, key, expect, path.name))
    return out


def _transcript(text: str, role: str) -> Transcript:
    spk = "S0" if role == "agent" else "S1"
    turn = Turn(spk, role, 1.0, 1.0 + max(1.0, len(text) / 4.5), text, 0.9)  # ~4.5 characters a second
    return Transcript("case", "", turn.end + 1.0, 1, "stereo", [turn], {}, {}, {spk: [Region(turn.start, turn.end, spk)]})


def run_cases(rubric: Rubric, cases: list[Case]) -> list[Stats]:
    """Judge every case with its items' rules (one batched encode for all case clauses)."""
    from .emotion import EmotionLexicon, turn_emotion

    lex = EmotionLexicon.from_lexicon(rubric.lexicon)
    encoder = None
    transcripts = [_transcript(c.text, c.role) for c in cases]
    if rubric.semantic_rules():
        from ..embeddings import get_encoder

        encoder = get_encoder(rubric.semantic.encoder)
        vocab = rubric.respell_vocabulary()
        example_vectors(encoder, [respell(tr.turns[ti].text[s:e], vocab) for tr in transcripts for ti, s, e in call_units(tr)])
    # a case is one sentence, not a call: where an item looks in a call (its window) does not apply
    items = {it.id: it.model_copy(update={"window": None}) for it in rubric.items}
    stats: dict[tuple[str, str], Stats] = {}
    for case, tr in zip(cases, transcripts):
        emotions = [turn_emotion(case.text, 0.0, case.role, lex).label]
        ctx = ScoringContext(tr, {}, emotions, negation=lex.negation, holdout=case.holdout)
        if encoder is not None:
            units = call_units(tr)
            vecs = example_vectors(encoder, [respell(tr.turns[ti].text[s:e], vocab) for ti, s, e in units])
            attach(ctx, rubric, encoder, ClauseVectors(encoder.name, tuple(units), vecs, units_key(tr, units)))
        fired = any(evaluate(items[i], ctx) for i in case.items)
        st = stats.setdefault((case.source, case.key), Stats(case.key, case.source))
        st.count(case.positive, fired)
        if fired != case.positive:
            st.misses.append(f"{'误报' if fired else '漏报'}：{case.text}")
    return list(stats.values())
