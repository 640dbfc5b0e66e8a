"""Text classification of call scripts and transcripts: fraud kinds, categories, normal.

Four models behind one interface (``fit`` / ``predict``; fitted state ends in ``_``):

- ``baseline``: TF-IDF over character 1-3-grams and a linear SVM, the reference every figure
  is compared with;
- ``wordchar``: TF-IDF (sublinear tf) over character 1-4-grams and ``jieba`` word uni- and
  bigrams of the whole text, plus a second block over the *opening* (the first 40
  characters, or a dialogue's first caller turn: who the caller claims to be, which is
  what tells police impersonation from fake customer service), and a linear SVM. Words
  carry meaning the character n-grams split ("安全账户", "解冻金"). Its C and per-class
  score offsets (:mod:`callwarden.screening.offsets`) are chosen on the training rows only;
- ``joint`` (opt-in): ``wordchar``'s features, C and SVM, its decision scores read by a
  multinomial logistic regression fitted on the inner out-of-fold scores of the training
  rows (the ones C is chosen on): the classes' scores judged together, where one-vs-rest
  SVMs judge each against the rest (the four overlapping bank/platform kinds of the
  dialogues, docs/screening.md "Sixth round: dialogues"); no class offsets;
- ``stacked`` (opt-in): LightGBM on the inner out-of-fold scores of five linear SVMs over
  word and character blocks and on 1,000 chi2-chosen n-gram columns, bagged over three
  inner seeds (:mod:`callwarden.screening.stacking`). Slower to fit; a few errors fewer on
  the cn texts (docs/screening.md).

The ``score`` of a prediction is the softmax of the decision scores: an ordering of
confidence, not a calibrated probability. No model is downloaded from anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from callwarden.screening.transcript import speaker_name

MODEL_KINDS = ("baseline", "wordchar", "stacked", "joint")
OPENING_CHARS = 40
# SVM regularisation grid for ``wordchar``; C is picked by an inner CV on the training
# data only, never on the texts being scored (docs/screening.md, "Text classification").
# The dialogues chose 0.25, the old grid's lower edge, in every fold: hence the two below.
C_GRID = (0.0625, 0.125, 0.25, 0.5, 1.0)
INNER_FOLDS = 3
JOINT_C = 1.0  # the joint model's regularisation (9 inputs a class: barely binding)
#: ``train-text --kind auto`` (its default): the kind per text input (``io.TEXT_INPUTS``),
#: set by the held-out rule of docs/screening.md "Seventh round: held-out splits": joint
#: for dialogue turns, wordchar for plain texts (joint was worse there on average).
AUTO_KINDS = {"turns": "joint", "text": "wordchar"}


def resolve_kind(kind: str, text_input: str) -> str:
    """The model kind ``train-text`` fits: ``kind`` itself, or for ``auto`` the kind of
    ``AUTO_KINDS`` for what the text column holds."""
    if kind != "auto":
        return kind
    return AUTO_KINDS.get(text_input, "wordchar")


def turn_field(turn: Any, key: str) -> str:
    """A turn's ``speaker`` or ``text`` (a dict or an object) as text; a JSON null or an
    absent field is empty, not "None"."""
    v = turn.get(key) if isinstance(turn, dict) else getattr(turn, key, None)
    return "" if v is None else str(v)


def dialogue_text(turns: Sequence[Any]) -> str:
    """A dialogue's turns as one text, each line prefixed by its speaker, read as ``screen``
    reads it (``transcript.speaker_name``: ``Caller`` is ``caller``, which ``opening`` looks
    for; kept word for word, a capitalised speaker changed 144 of 1,635 labels)."""
    return "\n".join(
        f"{speaker_name(turn_field(t, 'speaker'))}: {turn_field(t, 'text')}" for t in turns
    )


def word_tokens(text: str) -> list[str]:
    """jieba words: through ``rjieba`` (jieba-rs, the same dictionary and algorithm, about
    30 times faster) when installed, else ``jieba`` itself."""
    try:
        import rjieba

        return list(rjieba.cut(text))
    except ImportError:
        import jieba

        jieba.setLogLevel(60)
        return list(jieba.lcut(text))


def opening(text: str) -> str:
    """The opening of a text: a dialogue's first caller line, else its first characters."""
    if text.startswith(("caller: ", "callee: ")):
        for line in text.split("\n"):
            if line.startswith("caller: "):
                return line[len("caller: ") :]
    return text[:OPENING_CHARS]


def _openings(texts: Sequence[str]) -> list[str]:
    return [opening(t) for t in texts]


@dataclass
class WordCharFeatures:
    """Four TF-IDF blocks side by side: characters 1-4 and words 1-2 of the whole text,
    characters 1-3 and words of its opening (see :mod:`callwarden.screening.vectorize`)."""

    blocks_: list[Any] = field(default_factory=list)

    @staticmethod
    def make_blocks() -> list[Any]:
        """The four vectorisers, unfitted (the stacked model adds two of its own)."""
        from callwarden.screening.vectorize import HashedCharTfidf, WordTfidf

        return [
            HashedCharTfidf(max_n=4),
            WordTfidf(word_tokens, max_n=2),
            HashedCharTfidf(max_n=3, bits=19),
            WordTfidf(word_tokens, max_n=1),
        ]

    @staticmethod
    def block_inputs(texts: Sequence[str]) -> list[Sequence[str]]:
        """What each block reads: the whole text twice, then its opening twice."""
        heads = _openings(texts)
        return [texts, texts, heads, heads]

    def fit_transform(self, texts: Sequence[str]) -> Any:
        import scipy.sparse as sp

        self.blocks_ = self.make_blocks()
        parts = [
            b.fit_transform(x) for b, x in zip(self.blocks_, self.block_inputs(texts), strict=True)
        ]
        return sp.hstack(parts, format="csr")

    def transform(self, texts: Sequence[str]) -> Any:
        import scipy.sparse as sp

        parts = [
            b.transform(x) for b, x in zip(self.blocks_, self.block_inputs(texts), strict=True)
        ]
        return sp.hstack(parts, format="csr")


class _JiebaTokenizer:
    """Picklable tokenizer; the segmenter is imported on first use."""

    def __call__(self, text: str) -> list[str]:
        return word_tokens(text)


@dataclass
class TextClassifier:
    """A text classifier of one ``kind`` (baseline, wordchar, joint or stacked)."""

    kind: str = "wordchar"
    seed: int = 0
    c: float | None = None  # None: baseline and stacked 1.0; wordchar, joint pick by inner CV
    classes_: np.ndarray = field(default_factory=lambda: np.array([]))
    c_: float = 1.0
    offset_rule_: str = "none"
    offsets_: np.ndarray | None = None  # per-class shifts of the decision scores
    vectorizer_: Any = None
    model_: Any = None
    joint_: Any = None  # kind joint: the logistic regression over the SVM's scores

    def __post_init__(self) -> None:
        if self.kind not in MODEL_KINDS:
            raise ValueError(f"model kind must be one of {MODEL_KINDS}, not {self.kind!r}")

    def _features(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        if self.kind == "baseline":
            return TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
        return WordCharFeatures()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TextClassifier:
        from sklearn.svm import LinearSVC

        from callwarden.screening.normalise import to_simplified_all

        texts = to_simplified_all(list(texts))  # Traditional read as Simplified (normalise.py)
        y = np.asarray(labels, dtype=object).astype(str)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("need at least two distinct labels to train")
        self.offset_rule_, self.offsets_, self.joint_ = "none", None, None
        if self.kind == "stacked":
            from callwarden.screening.stacking import StackedText

            self.c_ = 1.0 if self.c is None else float(self.c)
            self.vectorizer_ = None  # the stack holds its own blocks
            self.model_ = StackedText(seed=self.seed, c=self.c_).fit(list(texts), y)
            return self
        self.vectorizer_ = self._features()
        x = self.vectorizer_.fit_transform(list(texts))
        # A ridge classifier averaged in, and an SGD logistic model, did not beat the SVM
        # alone in 5-fold CV on either public set (docs/screening.md), so one model it is.
        if self.c is not None:
            self.c_ = float(self.c)
        elif self.kind == "baseline":
            self.c_ = 1.0
        else:
            self.c_, rule, oof = _pick_c(x, y, self.seed)
            if oof is not None:
                from callwarden.screening.offsets import fit_offsets

                yi = np.searchsorted(self.classes_, y)
                if self.kind == "joint":  # (C is still chosen with the SVM's own offsets)
                    self.joint_ = _fit_joint(oof, yi)
                else:  # shifts per class learnt on the inner out-of-fold scores (offsets.py)
                    self.offset_rule_, self.offsets_ = rule, fit_offsets(oof, yi, rule)
        self.model_ = LinearSVC(C=self.c_, random_state=self.seed).fit(x, y)
        return self

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        from callwarden.screening.normalise import to_simplified_all

        if self.model_ is None:
            raise ValueError("the classifier is not fitted")
        texts = to_simplified_all(list(texts))  # as in fit
        if self.kind == "stacked":  # log-probabilities: the softmax below gives them back
            return np.asarray(self.model_.decision_function(list(texts)), dtype=np.float64)
        if self.vectorizer_ is None:
            raise ValueError("the classifier is not fitted")
        d = self.model_.decision_function(self.vectorizer_.transform(list(texts)))
        if d.ndim == 1:  # two classes: sklearn returns one column
            d = np.stack([-d, d], axis=1)
        d = np.asarray(d, dtype=np.float64)
        if self.joint_ is not None:  # log-probabilities: the softmax below gives them back
            d = self.joint_.predict_log_proba(d)
        if self.offsets_ is not None:
            d = d + self.offsets_
        return d

    def predict_with_score(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        if not len(texts):  # (the vectorisers and the SVM refuse an empty batch)
            return self.classes_[:0], np.zeros(0)
        d = self.decision_function(texts)
        z = np.exp(d - d.max(axis=1, keepdims=True))
        p = z / z.sum(axis=1, keepdims=True)
        idx = d.argmax(axis=1)
        return self.classes_[idx], p[np.arange(len(idx)), idx]

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.predict_with_score(texts)[0]


def _fit_joint(oof: np.ndarray, yi: np.ndarray) -> Any:
    """The joint model: a multinomial logistic regression from the SVM's decision scores to
    the class, fitted on the training rows' inner out-of-fold scores (scores of rows the
    SVM did not see, as the texts it will classify are). No offsets after it: with its own
    cross-fit offsets it gained no more on the exploration seeds (docs/screening.md)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=JOINT_C, max_iter=2000).fit(oof, yi)


def _pick_c(x: Any, y: np.ndarray, seed: int) -> tuple[float, str, np.ndarray | None]:
    """The C of ``C_GRID`` and the offset rule chosen together on an inner stratified k-fold
    of the training rows (features reuse the training fit: no outside text is involved):
    for each C the out-of-fold decision scores, scored by ``choose_rule``'s cross-fit
    macro-F1 after that C's best offset rule, so C is judged as it will be used. Returns
    C, the rule and the out-of-fold scores at that C. Ties go to the larger C; classes too
    small to split fall back to C 1, no offsets and no scores."""
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    from callwarden.screening.offsets import choose_rule

    classes, yi, counts = np.unique(y, return_inverse=True, return_counts=True)
    if counts.min() < INNER_FOLDS:
        return 1.0, "none", None
    inner = list(StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=seed).split(x, y))
    best, best_c, best_rule, best_oof = -1.0, 1.0, "none", None
    for c in sorted(C_GRID, reverse=True):
        oof = np.zeros((len(y), len(classes)))
        for tr, ho in inner:
            d = LinearSVC(C=c, random_state=seed).fit(x[tr], y[tr]).decision_function(x[ho])
            oof[ho] = np.stack([-d, d], axis=1) if d.ndim == 1 else d
        rule, score = choose_rule(oof, yi, seed)
        if score > best + 1e-9:
            best, best_c, best_rule, best_oof = score, c, rule, oof
    return best_c, best_rule, best_oof


@dataclass(frozen=True)
class CVReport:
    """Cross-validated predictions and the figures computed from them."""

    kind: str
    folds: int
    labels: tuple[str, ...]
    macro_labels: tuple[str, ...]
    macro_f1: float
    per_class_f1: dict[str, float]
    confusion: list[list[int]]
    accuracy: float
    predictions: np.ndarray
    c_per_fold: tuple[float, ...] = ()
    offset_rule_per_fold: tuple[str, ...] = ()
    stacked_per_fold: tuple[bool, ...] = ()  # kind stacked: False where it fell back

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "folds": self.folds,
            "macro_f1": round(self.macro_f1, 4),
            "macro_labels": list(self.macro_labels),
            "accuracy": round(self.accuracy, 4),
            "c_per_fold": list(self.c_per_fold),
            "offset_rule_per_fold": list(self.offset_rule_per_fold),
            "stacked_per_fold": list(self.stacked_per_fold),
            "per_class_f1": {k: round(v, 4) for k, v in self.per_class_f1.items()},
            "labels": list(self.labels),
            "confusion": self.confusion,
        }


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    kind: str = "wordchar",
    folds: int = 5,
    seed: int = 0,
    exclude_from_macro: Sequence[str] = (),
) -> CVReport:
    """Stratified k-fold predictions; macro-F1 over the labels not in ``exclude_from_macro``."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
    from sklearn.model_selection import StratifiedKFold

    from callwarden.errors import InputError

    x = np.asarray(list(texts), dtype=object)
    y = np.asarray(labels, dtype=object).astype(str)
    pred = np.empty(len(y), dtype=object)
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    chosen: list[float] = []
    rules: list[str] = []
    stacked: list[bool] = []
    splits = list(skf.split(x, y))
    for k, (train, _) in enumerate(splits):
        if len(one := set(y[train].tolist())) < 2:  # a label whose rows all fell in one fold
            few = sorted(lab for lab in set(y.tolist()) - one)
            raise InputError(
                f"{folds}-fold cross-validation: the training part of fold {k + 1} holds only "
                f"label {one.pop()!r} (all rows of {', '.join(map(repr, few))} are in its test "
                "part); give more rows of each label or fewer folds"
            )
    for train, test in splits:
        model = TextClassifier(kind=kind, seed=seed).fit(x[train], y[train])
        pred[test] = model.predict(x[test])
        chosen.append(model.c_)
        rules.append(model.offset_rule_)
        if kind == "stacked":
            stacked.append(bool(model.model_.stacked_))
    all_labels = tuple(sorted(set(y.tolist())))
    macro = tuple(lab for lab in all_labels if lab not in set(exclude_from_macro))
    per = f1_score(y, pred.astype(str), labels=list(all_labels), average=None)
    return CVReport(
        kind=kind,
        folds=folds,
        labels=all_labels,
        macro_labels=macro,
        macro_f1=float(f1_score(y, pred.astype(str), labels=list(macro), average="macro")),
        per_class_f1=dict(zip(all_labels, map(float, per), strict=True)),
        confusion=confusion_matrix(y, pred.astype(str), labels=list(all_labels)).tolist(),
        accuracy=float(accuracy_score(y, pred.astype(str))),
        predictions=pred.astype(str),
        c_per_fold=tuple(chosen),
        offset_rule_per_fold=tuple(rules),
        stacked_per_fold=tuple(stacked),
    )
