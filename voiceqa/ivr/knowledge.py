"""Phrase knowledge: how callers ask for common call-centre services, attached to menu options.

A flow author writes a few keywords and examples per option; callers say far more. The data
file ``voiceqa/ivr/knowledge/intents.yaml`` (versioned) lists ~50 common intents (查询余额, 缴费,
报修, 投诉, 挂失, 退款, 改签, 物流查询, 开户过户, ...) with many natural caller phrasings, plus
out-of-scope groups (weather, chit-chat, wrong number, ...).

:func:`attach` finds, for each option of a menu, the intents it offers, by

1. name: the option's ``intent:`` is one of the intent's ``names``;
2. keywords: an intent keyword occurs in the option's label, keywords or its part of the menu
   prompt ("停水及管道报修请按1" -> 停水, 报修), or an option keyword is one of the intent's;
3. meaning: the option's label/keywords are close to the intent's keywords (the flow's encoder);

and gives the option those intents' phrases (``Choice.knowledge``) for the meaning stage of
:mod:`voiceqa.ivr.understand`. An intent that two options of one menu claim equally goes to
neither (a generic phrase must not decide between them). The out-of-scope groups become
"other" choices: a caller closer to one of them than to every option is re-prompted instead of
being routed somewhere wrong.

Phrase vectors are cached per encoder and file version under ``cache_dir()/ivr_knowledge``.
A flow turns all of this off with ``phrase_knowledge: false``.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import FlowError
from .domains import foreign
from .understand import OTHER, Choice, Matcher, norm_phrase

log = logging.getLogger("voiceqa.ivr")

DATA = Path(__file__).with_name("knowledge") / "intents.yaml"

# cosine between an option's label/keywords and an intent's keywords above which an option that
# shares no keyword with any intent offers the closest one; e5 gives unrelated short terms up to
# ~0.96 (挂失 ~ 盗刷 0.97, 不能上网 ~ 停电 0.95), so this is a last resort
ATTACH_SIMILARITY = {"e5": 0.965, "use": 0.8}


@dataclass(frozen=True)
class Intent:
    id: str
    names: tuple[str, ...]
    keywords: tuple[str, ...]
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Knowledge:
    version: int
    digest: str  # of the file's bytes: part of the vector cache key
    intents: tuple[Intent, ...]
    out_of_scope: tuple[tuple[str, tuple[str, ...]], ...]

    def all_texts(self) -> list[str]:
        out = [t for i in self.intents for t in i.keywords + i.phrases]
        out += [t for _, ps in self.out_of_scope for t in ps]
        return list(dict.fromkeys(out))


def _strs(v, where: str, path: Path) -> tuple[str, ...]:
    if v is None:
        return ()
    if not isinstance(v, list) or not all(isinstance(x, (str, int)) for x in v):
        raise FlowError(path, f"{where}: expected a list of strings")
    return tuple(str(x) for x in v)


@lru_cache(maxsize=4)
def load_knowledge(path: str | Path = DATA) -> Knowledge:
    """Read and check the knowledge file (one-line FlowError naming the file on bad input)."""
    import yaml

    path = Path(path)
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FlowError(path, f"cannot read phrase knowledge ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("intents"), dict) or not isinstance(data.get("version"), int):
        raise FlowError(path, "phrase knowledge needs `version: N` and an `intents:` mapping")
    intents = []
    for iid, body in data["intents"].items():
        if not isinstance(body, dict) or set(body) - {"names", "keywords", "phrases"}:
            raise FlowError(path, f"intent {iid}: only names / keywords / phrases are allowed")
        phrases = _strs(body.get("phrases"), f"intent {iid} phrases", path)
        if not phrases:
            raise FlowError(path, f"intent {iid}: no phrases")
        intents.append(Intent(str(iid), _strs(body.get("names"), f"intent {iid} names", path),
                              _strs(body.get("keywords"), f"intent {iid} keywords", path), phrases))
    oos = tuple((str(k), _strs(v, f"out_of_scope {k}", path)) for k, v in (data.get("out_of_scope") or {}).items())
    return Knowledge(data["version"], hashlib.sha256(raw).hexdigest()[:12], tuple(intents), oos)


# ---------------------------------------------------------------- vectors (cached on disk)
def _cache_file(encoder_name: str, kn: Knowledge) -> Path:
    from ..asr.model_store import cache_dir

    safe = re.sub(r"[^\w.-]+", "_", encoder_name)
    return cache_dir() / "ivr_knowledge" / f"{safe}-v{kn.version}-{kn.digest}.npz"


def preload_vectors(matcher: Matcher, kn: Knowledge) -> None:
    """Put the knowledge phrases' vectors into ``matcher``'s vector cache: from disk when this
    encoder already encoded this file version, else encoded now and saved (best effort)."""
    if getattr(matcher, "_knowledge_loaded", None) == kn.digest:
        return
    texts = kn.all_texts()
    enc = matcher.encoder
    f = _cache_file(getattr(enc, "name", matcher.encoder_spec), kn)
    vecs = None
    if f.is_file():
        try:
            with np.load(f, allow_pickle=False) as z:
                if list(z["texts"]) == texts:
                    vecs = z["vecs"]
        except (OSError, ValueError, KeyError):
            vecs = None
    if vecs is None:
        vecs = matcher._embed_fresh(texts)
        try:
            f.parent.mkdir(parents=True, exist_ok=True)
            tmp = f.with_name(f"{f.stem}.{os.getpid()}.tmp.npz")  # parallel processes: own temp file
            np.savez(tmp, texts=np.array(texts), vecs=vecs)
            tmp.replace(f)
        except OSError as exc:  # a read-only cache only costs time
            log.debug("phrase knowledge vectors not cached (%s)", exc)
    matcher.seed(texts, vecs)
    matcher._knowledge_loaded = kn.digest


# ---------------------------------------------------------------- attaching intents to options
def prompt_part(prompt: str, key: str | None) -> str:
    """The words of a menu prompt that name the option on ``key``: "…，停水报修请按1，…" -> 停水报修."""
    if not key or not prompt:
        return ""
    for seg in re.split(r"[，,。；;！!？?]", prompt):
        m = re.search(rf"(.*?)(?:请按|请拨|按|请说){re.escape(key)}(?!\d)", seg)
        if m:
            words = m.group(1).strip()
            return re.sub(r"^(如需|如果|需要|您好)+", "", words) or words
    return ""


def _keyword_score(c: Choice, part: str, it: Intent) -> int:
    fields = [norm_phrase(x) for x in (c.label, part, *c.keywords) if x]
    kws = {norm_phrase(k) for k in it.keywords}
    score = 0
    for k in kws:
        if k and any(k in f for f in fields):
            score += 1
    score += sum(1 for x in c.keywords if norm_phrase(x) in kws)
    return score


def _meaning_score(matcher: Matcher, c: Choice, part: str, it: Intent) -> float:
    mine = [x for x in (c.label, part, *c.keywords) if x and len(norm_phrase(x)) >= 2]
    theirs = [k for k in it.keywords if len(norm_phrase(k)) >= 2]
    if not mine or not theirs:
        return 0.0
    return float((matcher._embed(mine) @ matcher._embed(theirs).T).max())


@lru_cache(maxsize=512)
def attach(choices: tuple[Choice, ...], prompt: str, matcher: Matcher, kn: Knowledge | None = None,
           others: bool = True, domain: frozenset[str] = frozenset()) -> tuple[Choice, ...]:
    """The menu's choices with the phrases of the intents each offers (``knowledge``), followed
    by "other" choices (the out-of-scope groups) when ``others``. With the
    flow's ``domain`` (:mod:`voiceqa.ivr.domains`), phrases naming another industry's service
    (我的话费还剩多少 at a water utility) are left out."""
    kn = kn or load_knowledge()
    preload_vectors(matcher, kn)
    base = matcher.encoder_spec.split(":")[0]
    t_attach = ATTACH_SIMILARITY.get(base, 0.8)
    claims: dict[str, list[tuple[float, str]]] = {}
    for c in choices:
        if c.id == "agent":
            continue
        part = prompt_part(prompt, c.key)
        cid = c.id.split("#")[0].lower()
        by_words = {}
        for it in kn.intents:
            score = float(_keyword_score(c, part, it)) + (2.0 if cid == it.id or cid in it.names else 0.0)
            if score and it.id != "agent":
                by_words[it.id] = score
        if not by_words:  # no shared words with any intent: the closest one by meaning, if very close
            sims = [(_meaning_score(matcher, c, part, it), it.id) for it in kn.intents if it.id != "agent"]
            best = max(sims, default=(0.0, ""))
            if best[0] >= t_attach:
                by_words[best[1]] = 0.5
        for iid, score in by_words.items():
            claims.setdefault(iid, []).append((score, c.id))
    extra: dict[str, list[str]] = {c.id: [] for c in choices}
    by_id = {it.id: it for it in kn.intents}
    for iid, cl in claims.items():
        cl.sort(reverse=True)
        if len(cl) > 1 and cl[0][0] == cl[1][0]:
            continue  # two options claim it equally: it decides nothing
        extra[cl[0][1]].extend(p for p in by_id[iid].phrases if not foreign(p, domain))
    out = [replace(c, knowledge=tuple(dict.fromkeys(extra[c.id]))) if extra[c.id] else c for c in choices]
    if others:
        # intents no option claims are not "other" choices: measured on the labelled set, e5
        # puts unrelated intents too close (0.90-0.93) for that to help
        for name, phrases in kn.out_of_scope:
            out.append(Choice(OTHER + name, "", (), phrases))
    log.debug("phrase knowledge %s", {c.id: len(c.knowledge) for c in out if not c.id.startswith(OTHER)})
    return tuple(out)


def attached_intents(choices: Sequence[Choice], prompt: str, matcher: Matcher) -> dict[str, list[str]]:
    """Which intents' phrases each option received (for lint/inspection and tests)."""
    kn = load_knowledge()
    res = attach(tuple(choices), prompt, matcher, kn, False)
    sets = {it.id: set(it.phrases) for it in kn.intents}
    return {c.id: sorted(i for i, ps in sets.items() if ps & set(c.knowledge)) for c in res}
