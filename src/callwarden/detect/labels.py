"""Label cells and label files: the words read as a class, one label per number, and
label rows keyed by number (E.164 or as written) for matching against scanned numbers."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.detect.model import BENIGN
from callwarden.errors import InputError


def label_codes(values: pa.ChunkedArray | pa.Array, classes: tuple[str, ...]) -> np.ndarray:
    """Class codes for label strings; an ``InputError`` names unknown labels."""
    vals = np.asarray(
        pc.fill_null(pc.utf8_lower(pc.cast(values, pa.string())), BENIGN).to_pylist(), dtype=object
    )
    lookup = {c: i for i, c in enumerate(classes)}
    unknown = sorted({v for v in set(vals.tolist()) if v not in lookup})
    if unknown:
        raise InputError(
            f"unknown label(s) {unknown[:5]}; expected one of {list(classes)} ({LABEL_HINT})"
        )
    return np.fromiter((lookup[v] for v in vals.tolist()), dtype=np.int64, count=len(vals))


@dataclass(frozen=True)
class LabelMatch:
    """Each label row's number key (E.164, or as written), and what did not match (counts with a first example).

    ``unmatched``: label rows whose number is not among the data's numbers; ``unparsed``:
    label rows whose number does not normalise (kept under their own text, so they match
    only a number written the same way)."""

    keys: list[str | None]
    rows: int
    unmatched: int
    unmatched_example: str | None
    unparsed: int
    unparsed_example: str | None

    def check(self, where: str) -> None:
        """An InputError when there are label rows and none of them matches."""
        if self.rows and self.unmatched == self.rows:
            raise InputError(
                f"none of the {self.rows:,} label rows matches a number in {where} "
                f"(e.g. {self.unmatched_example!r}); are the labels for these numbers?"
            )

    def notes(self) -> list[str]:
        """Lines for people: what the matching left out (empty when everything matched)."""
        out = []
        if self.unparsed:
            out.append(
                f"{self.unparsed:,} of {self.rows:,} label rows have a number that is not a "
                f"phone number (e.g. {self.unparsed_example!r}); matched as written"
            )
        if self.unmatched:
            out.append(
                f"{self.unmatched:,} of {self.rows:,} label rows match no number in the data "
                f"(e.g. {self.unmatched_example!r})"
            )
        return out


def match_labels(
    numbers: Sequence[str], column: pa.ChunkedArray | pa.Array, region: str = "CN"
) -> LabelMatch:
    """Key each label row by its number (``column``) and count the rows ``numbers`` lacks.

    A label number written as in ``numbers`` keys as written; any other is normalised first,
    so national ``15173156006`` and E.164 ``+8615173156006`` are one number (ids that are not
    phone numbers, as in a carrier table, still match as written)."""
    from callwarden.numbers import normalize_array

    raw = pc.utf8_trim_whitespace(pc.cast(column, pa.string()))  # as table ids are trimmed
    norm = normalize_array(raw, region)
    seen = set(numbers)
    as_written = pc.is_in(raw, value_set=pa.array(list(seen), pa.string()))
    keys_arr = pc.if_else(pc.fill_null(as_written, False), raw, pc.coalesce(norm, raw))
    unparsed = pc.and_(pc.is_null(norm), pc.invert(pc.fill_null(as_written, False)))
    unparsed = pc.and_(unparsed, pc.is_valid(raw))
    keys = keys_arr.to_pylist()
    missing = [k for k in keys if k not in seen]
    n_unparsed = pc.sum(pc.cast(unparsed, pa.int64())).as_py() or 0
    first_unparsed = pc.filter(raw, unparsed)[0].as_py() if n_unparsed else None
    return LabelMatch(
        keys, len(keys), len(missing), missing[0] if missing else None, n_unparsed, first_unparsed
    )


def label_text(value: object) -> str:
    """A label cell as it is compared and coded: trimmed and lower-cased; an empty or
    missing cell is benign (a number the labels do not list counts as benign too)."""
    text = "" if value is None else str(value).strip().lower()
    return text or BENIGN


#: The label of a number whose class nobody can say (``callwarden labels``: one reporter, a
#: number only the detectors flag): ``train`` leaves its rows out, ``evaluate`` its verdict.
#: Not a class: only those two read it (``detect.dataset``, ``cli.evaluate``); elsewhere
#: (``replay --labels``) it is refused as any other word.
UNKNOWN = "unknown"


#: Label words read as a class (trimmed, any case) besides the class names: the words a data
#: set's README or the text side use (the Sichuan data calls 0 "normal"), Chinese, and 0/1,
#: false/true as in a binary column (``label_class``: 1 and true are the positive class).
LABEL_WORDS: dict[str, str] = {
    "normal": BENIGN, "正常": BENIGN, "legit": BENIGN, "legitimate": BENIGN,
    "non-fraud": BENIGN, "非诈骗": BENIGN, "0": BENIGN, "false": BENIGN,
    "诈骗": "fraud", "骚扰": "harassment", "unknown": UNKNOWN,
}  # fmt: skip
_POSITIVE_WORDS = ("1", "true")

#: What an unknown label's error adds: the words that are read.
LABEL_HINT = (
    "labels are benign, harassment or fraud (any case), or normal, 正常, legit, legitimate, "
    "non-fraud, 非诈骗 (= benign, not beside harassment), 诈骗 (= fraud), 骚扰 (= harassment), "
    "0/1 or false/true (1 = fraud); a blank cell is benign; unknown leaves the number out of "
    "train and evaluate"
)

#: Words that only say "not fraud": benign in a fraud/benign column, but in a column that also
#: holds harassment they leave a harassing number's class unsaid (``check_not_fraud_words``).
NOT_FRAUD_WORDS = ("non-fraud", "非诈骗")


def check_not_fraud_words(cells: Collection[object], where: str) -> None:
    """An InputError naming the word when a label column mixes ``non-fraud``/``非诈骗`` with
    harassment (骚扰): there "not fraud" may be a harassing number, and reading it benign would
    score the model's harassment flags as false alarms."""
    texts = {label_text(c) for c in cells}
    said = [w for w in NOT_FRAUD_WORDS if w in texts]
    harass = sorted(t for t in texts if LABEL_WORDS.get(t, t) == "harassment")
    if said and harass:
        raise InputError(
            f"{where} mixes {said[0]!r} with harassment labels ({harass[0]!r}): beside "
            f"harassment, {said[0]!r} says nothing about whether a number harasses; write "
            "benign (or normal, 正常) for numbers that are neither, harassment or fraud for the rest"
        )


def label_class(value: object, positive: str = "fraud") -> str:
    """A label cell as its class (``label_text``, then ``LABEL_WORDS``; 0/1 also written
    0.0/1.0, as a spreadsheet or pandas saves them, and 1/true are ``positive``); a word that
    is none of these comes back as written (lower-cased), for the caller to refuse."""
    text = label_text(value)
    if text in _POSITIVE_WORDS:
        return positive
    if text in LABEL_WORDS:
        return LABEL_WORDS[text]
    try:
        number = float(text)
    except ValueError:
        return text
    return {0.0: BENIGN, 1.0: positive}.get(number, text)


def labels_by_number(
    keys: Sequence[str | None],
    labels: Sequence[object],
    read: Callable[[object], str] = label_class,
) -> dict[str, str]:
    """Each matched number's label (``read``: ``label_class``, so ``normal`` and ``benign``
    are one label), from ``match_labels``' keys and the label cells in the same order.

    Rows that give one number the same label are one row; rows that give it different
    labels are an ``InputError`` naming the first such number and its two rows (the file's
    row order would otherwise decide which label the number gets)."""
    if read is label_class:
        check_not_fraud_words(labels, "the labels' label column")
    out: dict[str, str] = {}
    row_of: dict[str, int] = {}
    clash: dict[str, tuple[int, int]] = {}
    for i, (key, value) in enumerate(zip(keys, labels, strict=True)):
        if key is None:
            continue
        lab = read(value)
        if key not in out:
            out[key], row_of[key] = lab, i
        elif out[key] != lab and key not in clash:
            clash[key] = (row_of[key], i)
    if clash:
        key, (a, b) = next(iter(clash.items()))
        raise InputError(
            f"the labels give {len(clash):,} number(s) two different labels, e.g. {key}: "
            f"{read(labels[a])!r} on label row {a + 1} and {read(labels[b])!r} "
            f"on row {b + 1}; keep one label per number"
        )
    return out
