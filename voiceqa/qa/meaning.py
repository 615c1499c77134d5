"""A small classifier per semantic rule, beside the nearest-example decision.

The nearest-example decision (qa/rules.py ``semantic``) asks "is this clause closer to one of
the rule's examples than to anything else the rubric knows?": precise, but a clause that says
the same thing in words no single example is close to is missed. A logistic regression on the
encoder's vectors, trained on the rule's own examples (positives) against its
counter-examples, the other items' examples and the rubric's background talk (negatives),
draws one boundary around everything the examples share, so it generalises past the nearest
example. It is trained only on the rubric's sentences, at load time, and kept per process with
the rubric's known-sentence vectors (training takes milliseconds; nothing is stored on disk).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .semantic import KnownSentences, single_threaded_blas

# inverse regularisation: the vectors are unit length and the classes small and unbalanced;
# C=4 with balanced class weights keeps the boundary smooth (measured on qa_bench, see
# scripts/bench_qa.py) without memorising single examples
C = 4.0


@dataclass(frozen=True)
class RuleModel:
    coef: np.ndarray  # (dim,)
    intercept: float

    def probability(self, vectors: np.ndarray) -> np.ndarray:
        """P(the clause means what the rule's examples mean), per row of ``vectors``."""
        z = vectors @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


_MODELS: dict[tuple, RuleModel | None] = {}
MAX_MODELS = 2048  # leave-one-out in `rubric test` trains one model per held-out example


def rule_model(examples: tuple[str, ...], known: KnownSentences, own: frozenset[str]) -> RuleModel | None:
    """The classifier of a rule whose examples are ``examples``: positives are those examples,
    negatives every other sentence the rubric knows except ``own`` (the item's own phrases,
    compatible items' examples, held-out sentences). None when either class is empty."""
    key = (id(known), examples, own)
    if key in _MODELS:
        return _MODELS[key]
    pos = [known.index[x] for x in examples if x in known.index]
    neg = [i for i, t in enumerate(known.texts) if t not in own and t not in examples]
    model = None
    if pos and neg:
        from sklearn.linear_model import LogisticRegression

        X = known.matrix[pos + neg]
        y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
        clf = LogisticRegression(C=C, class_weight="balanced", max_iter=2000)
        with single_threaded_blas():  # 5x faster for a problem this small on a busy machine
            clf.fit(X, y)
        model = RuleModel(clf.coef_[0].astype(np.float32), float(clf.intercept_[0]))
    if len(_MODELS) >= MAX_MODELS:
        _MODELS.clear()
    _MODELS[key] = model
    return model
