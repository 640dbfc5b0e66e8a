"""Building training and scoring matrices: from CDR features plus labels, or from a
carrier's own feature table.

Labels are per number (``labels.csv``: ``number,label,category,campaign``). A number the
labels do not mention is taken as benign: a carrier's labels list the bad numbers it knows
of, and the simulator's list every calling number anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.detect.labels import (
    LABEL_HINT,
    UNKNOWN,
    check_not_fraud_words,
    label_class,
    label_codes,
    labels_by_number,
    match_labels,
)
from callwarden.detect.model import BENIGN, Dataset
from callwarden.errors import InputError

CDR_CLASSES = ("benign", "harassment", "fraud")


def _matrix(table: pa.Table, names: list[str]) -> np.ndarray:
    cols = []
    for n in names:
        col = table[n]
        if not (
            pa.types.is_integer(col.type)
            or pa.types.is_floating(col.type)
            or pa.types.is_boolean(col.type)
            or pa.types.is_null(col.type)
        ):
            raise InputError(f"feature column {n!r} is not numeric ({col.type})")
        cols.append(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False))
    return np.column_stack(cols) if cols else np.empty((table.num_rows, 0))


#: What a number the labels do not list trains as (``train --unlabelled``).
UNLABELLED = ("benign", "skip")


def cdr_dataset(
    features: pa.Table,
    labels: pa.Table,
    report: Callable[[str], None] | None = None,
    unlabelled: str = "benign",
) -> Dataset:
    """Rows = (number, day) feature rows; labels joined by number. A number the labels do
    not list is benign (``unlabelled`` "benign": a carrier's investigated list names the bad
    numbers it knows of, the simulator's every caller) or left out ("skip": labels drawn
    from reports, where unlisted means nobody said anything, not benign).

    Label numbers are normalised first (``match_labels``); ``report`` receives a line for
    label rows that match no number or do not parse. No label matching at all is an error."""
    if unlabelled not in UNLABELLED:
        raise InputError(f"--unlabelled must be benign or skip, not {unlabelled!r}")
    for col in ("number", "label"):
        if col not in labels.column_names:
            raise InputError(f"labels need a {col!r} column (number,label,category,campaign)")
    numbers = features["number"].to_pylist()
    match = match_labels(numbers, labels["number"])
    match.check("the data")
    if report is not None:
        for line in match.notes():
            report(line)
    lab = labels_by_number(match.keys, labels["label"].to_pylist())
    unknown = {n for n, c in lab.items() if c == UNKNOWN}
    if unknown:
        keep = np.fromiter((n not in unknown for n in numbers), dtype=bool, count=len(numbers))
        in_data = len(unknown & set(numbers))
        features = features.filter(pa.array(keep))
        numbers = features["number"].to_pylist()
        if report is not None:
            report(
                f"{len(unknown):,} number(s) labelled unknown: their {int((~keep).sum()):,} "
                f"row(s) ({in_data:,} of those numbers placed calls) are left out of training"
            )
        if not numbers:
            raise InputError("every row's number is labelled unknown: nothing to train on")
    if unlabelled == "skip":
        keep = np.fromiter((n in lab for n in numbers), dtype=bool, count=len(numbers))
        if not keep.all():
            left = len({n for n in numbers if n not in lab})
            features = features.filter(pa.array(keep))
            numbers = features["number"].to_pylist()
            if report is not None:
                report(
                    f"{left:,} number(s) the labels do not list: their {int((~keep).sum()):,} "
                    "row(s) are left out of training (--unlabelled skip)"
                )
        if not numbers:
            raise InputError("no row's number is listed in the labels: nothing to train on")
    y_str = pa.array([lab.get(n, BENIGN) for n in numbers], pa.string())
    names = [c for c in features.column_names if c not in ("number", "day")]
    ids = np.asarray(
        [f"{n}@{d}" for n, d in zip(numbers, features["day"].to_pylist(), strict=True)]
        if "day" in features.column_names
        else numbers,
        dtype=object,
    )
    return Dataset(
        ids=ids,
        X=_matrix(features, names),
        y=label_codes(y_str, CDR_CLASSES),
        classes=CDR_CLASSES,
        feature_names=tuple(names),
        groups=np.asarray(numbers, dtype=object),
    )


# --- carrier feature tables -------------------------------------------------------------

#: Columns that identify the Sichuan competition layout (per-user aggregates).
SICHUAN_COLUMNS = frozenset(
    {
        "opposite_count",
        "opposite_unique",
        "voccalltype1",
        "voc_day_nunique",
        "sms_count",
        "arpu_mean",
    }
)


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = a / b
    return np.where(np.isfinite(r), r, np.nan)


#: The rates ``sichuan_derived`` adds: name, numerator, denominator.
SICHUAN_RATES: tuple[tuple[str, str, str], ...] = (
    ("x_calls_per_peer", "opposite_count", "opposite_unique"),
    ("x_out_share", "voccalltype1", "opposite_count"),
    ("x_calls_per_active_day", "opposite_count", "voc_day_nunique"),
    ("x_peers_per_active_day", "opposite_unique", "voc_day_nunique"),
    ("x_sms_per_call", "sms_count", "opposite_count"),
    ("x_sms_peers_per_sms", "sms_nunique", "sms_count"),
    ("x_flow_per_month", "flow_sum", "month_ids"),
    ("x_busi_per_month", "busi_count", "month_ids"),
    ("x_arpu_per_call", "arpu_sum", "opposite_count"),
    ("x_call_day_share", "voc_day_nunique", "day_nunique"),
    ("x_imei_per_peer", "imeis", "opposite_unique"),
    ("x_hour_mode_share", "voc_hour_mode_count", "opposite_count"),
)
#: Missing-value flags it adds: name, column.
SICHUAN_FLAGS: tuple[tuple[str, str], ...] = (
    ("x_arpu_missing", "arpu_mean"),
    ("x_calls_missing", "opposite_count"),
)


def sichuan_derived(col: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rates that the raw counts only imply: per counterpart, per active day, per month.

    The raw table mixes totals over different spans (calls over active days, SMS over the
    month, billing over months); fraud numbers are new, busy and one-directional, which
    shows in the rates better than in the totals. A rate or flag whose column the table
    lacks is left out (a model trained without it does not need it; one that does says
    which column is missing).
    """
    out = {n: _ratio(col[a], col[b]) for n, a, b in SICHUAN_RATES if a in col and b in col}
    out.update({n: np.isnan(col[c]).astype(np.float64) for n, c in SICHUAN_FLAGS if c in col})
    return out


def derived_from(name: str) -> tuple[str, ...]:
    """The table columns a derived feature is computed from (none for a table column)."""
    for n, a, b in SICHUAN_RATES:
        if n == name:
            return (a, b)
    return next(((c,) for n, c in SICHUAN_FLAGS if n == name), ())


def lacking_text(missing: Sequence[str], present: Collection[str]) -> str:
    """What a table lacks of a model's features, said as the table's own columns: a missing
    column also takes the rates computed from it, so those are counted apart."""
    rates = [n for n in missing if derived_from(n)]
    raw = [n for n in missing if not derived_from(n)]
    raw += sorted({c for n in rates for c in derived_from(n)} - set(present) - set(raw))
    if not raw:
        return (
            f"the input lacks {len(missing)} feature(s) the model needs, e.g. {list(missing[:3])}"
        )
    text = f"the table lacks {len(raw)} column(s) the model needs: {raw[:5]}"
    if rates:
        text += f" (and {len(rates)} rate(s) the model derives from the table's columns)"
    return text


def needed_columns(features: Sequence[str]) -> list[str]:
    """The table columns a model's ``features`` are read or computed from, in order."""
    out: dict[str, None] = {}
    for n in features:
        out.update(dict.fromkeys(derived_from(n) or (n,)))
    return list(out)


def match_headers(
    names: Sequence[str], wanted: Sequence[str]
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Headers that name a ``wanted`` column but for surrounding whitespace or, when only one
    header does, case (an export's " flow_var", "FLOW_VAR"): ({header: wanted name}, {wanted
    name: the headers that match it only ambiguously}). A wanted name the table has as written
    is left alone, and so is a header that is itself wanted."""
    present, want = set(names), set(wanted)
    renames: dict[str, str] = {}
    ambiguous: dict[str, list[str]] = {}
    for w in wanted:
        if w in present:
            continue
        free = [n for n in names if n not in want and n not in renames]
        hits = [n for n in free if n.strip() == w]
        if not hits:
            hits = [n for n in free if n.strip().lower() == w.lower()]
        if len(hits) == 1:
            renames[hits[0]] = w
        elif hits:
            ambiguous[w] = hits
    return renames, ambiguous


@dataclass(frozen=True)
class TableSpec:
    """How to read a carrier feature table."""

    id_column: str
    label_column: str | None = None
    positive_label: str = "fraud"  # class given to label 1 / true in a binary table
    derived: bool = True


#: A text column is read as a numeric feature when at least this share of its non-empty
#: cells are finite numbers (a few "abc" or "#N/A" cells in a number column); the other cells
#: become missing and are reported.
NUMERIC_TEXT_SHARE = 0.9


#: A decimal number as a cell may hold it (sign, digits, point, exponent; spaces around).
_NUMBER = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"


#: Cells that mean "no value" in exports (Hive/MySQL ``\N``, a spreadsheet's ``-``): missing,
#: as a blank cell is (Arrow's CSV reader already takes ``NA``, ``NULL``, ``NaN`` and the like
#: for numbers, but one ``\N`` makes the column text).
NULL_TOKENS = ("\\N", "-", "--", "NA", "N/A", "n/a", "null", "NULL", "None", "none", "#N/A")


def _numeric_text(col: pa.ChunkedArray) -> tuple[pa.Array | None, int, str | None]:
    """(float64 values or None when the column is not numeric, bad cells, first bad cell).

    Vectorised in Arrow: cells that read as a decimal number are cast, empty ones and
    ``NULL_TOKENS`` stay missing, the others (text, "inf", "nan") are the bad cells."""
    text = pc.cast(col, pa.string())
    trimmed = pc.utf8_trim_whitespace(text)
    text = pc.if_else(
        pc.fill_null(pc.is_in(trimmed, value_set=pa.array(NULL_TOKENS)), False),
        pa.scalar(None, pa.string()),
        text,
    )
    filled = pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(text), ""), False)
    number = pc.fill_null(pc.match_substring_regex(text, _NUMBER), False)
    bad_mask = pc.and_(filled, pc.invert(number))
    n_filled = pc.sum(pc.cast(filled, pa.int64())).as_py() or 0
    bad = pc.sum(pc.cast(bad_mask, pa.int64())).as_py() or 0
    example = pc.filter(text, bad_mask)[0].as_py() if bad else None
    if n_filled == 0 or n_filled - bad < NUMERIC_TEXT_SHARE * n_filled:
        return None, bad, example
    kept = pc.if_else(number, pc.utf8_trim_whitespace(text), pa.scalar(None, pa.string()))
    values = pc.cast(kept, pa.float64())
    # (a number too large for a double casts to inf: missing, like the other bad cells)
    finite = pc.fill_null(pc.is_finite(values), True)
    if not pc.all(finite).as_py():
        overflow = pc.invert(finite)
        bad += pc.sum(pc.cast(overflow, pa.int64())).as_py() or 0
        example = example if example is not None else pc.filter(text, overflow)[0].as_py()
        values = pc.if_else(overflow, pa.scalar(None, pa.float64()), values)
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values, bad, example


def table_dataset(
    table: pa.Table,
    spec: TableSpec,
    *,
    need_labels: bool = True,
    report: Callable[[str], None] | None = None,
    model_features: Sequence[str] = (),
) -> tuple[Dataset, str | None]:
    """A feature table to a Dataset; returns the dataset and the layout recognised.

    ``model_features`` (scan: the model's features): such a column that is empty in every
    row is a feature with every value missing (reported), and one that is text is an
    ``InputError`` naming it (both read as "the input lacks the feature" before).

    Every numeric column but the id and label is a feature; so is a text column whose
    non-empty cells are nearly all numbers (``NUMERIC_TEXT_SHARE``: its other cells become
    missing). ``report`` receives a line for those cells and for text columns skipped.
    Binary labels (0/1, true/false) become benign / ``positive_label``; string labels must be
    benign, harassment or fraud. Without labels (scoring) every row is given class benign.
    """
    names = table.column_names
    if spec.id_column not in names:
        raise InputError(
            f"id column {spec.id_column!r} not in the table (columns: {', '.join(names[:12])}...)"
        )
    if need_labels and spec.label_column is None:
        raise InputError("training on a feature table needs its label column (--label-column)")
    if need_labels and spec.label_column not in names:
        raise InputError(
            f"label column {spec.label_column!r} not in the table "
            f"(columns: {', '.join(names[:12])}{'...' if len(names) > 12 else ''})"
        )
    if need_labels and spec.label_column == spec.id_column:
        raise InputError(
            f"--id-column and --label-column both name {spec.id_column!r}; the labels need "
            "a column of their own"
        )
    if table.num_rows == 0:
        raise InputError("the feature table has a header but no data rows")
    skip = {spec.id_column, spec.label_column}
    skipped: list[str] = []
    empty: list[str] = []
    for n in names:
        if n in skip or not (pa.types.is_string(table[n].type) or pa.types.is_null(table[n].type)):
            continue
        values, bad, example = _numeric_text(table[n])
        if values is None and n in model_features:
            if bad:
                raise InputError(
                    f"column {n!r}, a feature of the model, is not numeric in this table "
                    f"(e.g. {example!r}); the model was trained on numbers in it"
                )
            values = pa.nulls(table.num_rows, pa.float64())
            if report is not None:
                report(f"feature {n!r} is empty in every row: scored as missing")
        if values is None:
            (skipped if bad else empty).append(n)
            continue
        table = table.set_column(names.index(n), n, values)
        if bad and report is not None:
            report(
                f"feature {n!r}: {bad:,} cell(s) that are not numbers read as missing "
                f"(e.g. {example!r})"
            )
    if skipped and report is not None:
        report(f"not numeric, not used as features: {', '.join(map(repr, skipped))}")
    if empty and report is not None:
        report(f"empty in every row, not used as features: {', '.join(map(repr, empty))}")
    feats = [
        n
        for n in names
        if n not in skip
        and (
            pa.types.is_integer(table[n].type)
            or pa.types.is_floating(table[n].type)
            or pa.types.is_boolean(table[n].type)
        )
    ]
    X = _matrix(table, feats)
    # An infinite value is missing, as an "inf" text cell is (``_numeric_text``): the reasons
    # would otherwise carry it into verdicts.csv as ``Infinity``, which JSON has not.
    if (infinite := np.isinf(X)).any():
        for j in np.flatnonzero(infinite.any(axis=0)):
            if report is not None:
                report(
                    f"feature {feats[j]!r}: {int(infinite[:, j].sum()):,} infinite value(s) "
                    "read as missing"
                )
        X = np.where(infinite, np.nan, X)
    layout = None
    # The layout is told by most of its identifying columns, so one column lost to an
    # export leaves out only the rates computed from it, not all of them.
    if spec.derived and 2 * len(set(feats) & SICHUAN_COLUMNS) > len(SICHUAN_COLUMNS):
        layout = "sichuan"
        if (lost := sorted(SICHUAN_COLUMNS - set(feats))) and report is not None:
            left_out = [n for n, a, b in SICHUAN_RATES if a in lost or b in lost]
            left_out += [n for n, c in SICHUAN_FLAGS if c in lost]
            report(
                f"Sichuan layout without {', '.join(map(repr, lost))}: the rates computed "
                f"from it are left out ({', '.join(left_out)})"
            )
        cols = {n: X[:, i] for i, n in enumerate(feats)}
        extra = sichuan_derived(cols)
        X = np.column_stack([X, *extra.values()])
        feats = feats + list(extra)
    id_text = pc.cast(table[spec.id_column], pa.string())
    no_id = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(id_text), ""), True)
    if (blank := pc.sum(pc.cast(no_id, pa.int64())).as_py() or 0) > 0:
        first = int(pc.index(no_id, True).as_py())
        raise InputError(
            f"id column {spec.id_column!r} is empty on {blank:,} row(s) (first: data row "
            f"{first + 1}); every row needs an id"
        )
    # Ids are trimmed (an export's " a" is "a"), as evaluate trims the verdicts' and the
    # labels' ids; so " a" and "a" are one id, and two rows of it are refused below.
    ids = np.asarray(pc.utf8_trim_whitespace(id_text).to_pylist(), dtype=object)
    if len(set(ids.tolist())) != len(ids):
        seen: dict[object, int] = {}
        for row, value in enumerate(ids.tolist(), start=1):
            if value in seen:
                n = len(ids) - len(set(ids.tolist()))
                raise InputError(
                    f"id column {spec.id_column!r} has {n:,} duplicate value(s), e.g. "
                    f"{value!r} on data rows {seen[value]} and {row} (ids are compared "
                    "without surrounding spaces); one row per number"
                )
            seen[value] = row
    classes: tuple[str, ...]
    if need_labels and spec.label_column is not None:
        col = table[spec.label_column]
        if (
            pa.types.is_integer(col.type)
            or pa.types.is_boolean(col.type)
            or pa.types.is_floating(col.type)
        ):
            # A blank cell is benign, as in a text label column (and as evaluate reads it).
            raw = pc.fill_null(pc.cast(col, pa.float64()), 0.0)
            raw = raw.to_numpy(zero_copy_only=False)
            if not np.isin(raw, (0.0, 1.0)).all():
                other = sorted(set(raw[~np.isin(raw, (0.0, 1.0))].tolist()))
                raise InputError(
                    f"numeric label column {spec.label_column!r} must hold only 0 and 1 "
                    f"(blank = 0), not {', '.join(f'{v:g}' for v in other[:5])}; for more than "
                    "one kind of bad number write benign, harassment and fraud"
                )
            classes, y = (BENIGN, spec.positive_label), raw.astype(np.int64)
        else:
            # Label cells read as CDR labels and evaluate read them (``label_class``: trimmed,
            # any case, blank benign, 0/1 and true/false among text cells when a "?" makes the
            # column text, ``LABEL_WORDS``); each distinct cell once, then taken per row.
            raw_text = pc.cast(col, pa.string())
            distinct = pc.unique(raw_text)
            check_not_fraud_words(distinct.to_pylist(), f"label column {spec.label_column!r}")
            read = [label_class(v, spec.positive_label) for v in distinct.to_pylist()]
            text = pc.take(pa.array(read, pa.string()), pc.index_in(raw_text, value_set=distinct))
            present = set(read)
            if other := sorted(v for v in present if v not in CDR_CLASSES and v != UNKNOWN):
                raise InputError(
                    f"label column {spec.label_column!r} holds {other[:5]}: a feature table's "
                    f"{LABEL_HINT}"
                )
            if UNKNOWN in present:  # rows nobody can label: out of training, counted
                known = pc.not_equal(text, UNKNOWN).to_numpy(zero_copy_only=False)
                if not known.any():
                    raise InputError(
                        f"label column {spec.label_column!r} says unknown on every row: "
                        "nothing to train on"
                    )
                if report is not None:
                    report(
                        f"label column {spec.label_column!r}: {int((~known).sum()):,} row(s) "
                        "labelled unknown are left out of training"
                    )
                text, X, ids = pc.filter(text, pa.array(known)), X[known], ids[known]
            classes = tuple(c for c in CDR_CLASSES if c == BENIGN or c in present)
            y = label_codes(text, classes)
    else:
        classes, y = (BENIGN, spec.positive_label), np.zeros(len(ids), dtype=np.int64)
    return Dataset(ids, X, y, classes, tuple(feats), ids), layout


#: scan refuses a feature table where a column the model uses is missing in at least this
#: share of rows and in at least ``MISSING_SHIFT`` more of them than in training: the trees
#: read a missing value as they learnt it (on the Sichuan table, missing ARPU was fraud in
#: all 89 training rows), so an export that lost a column group flags ordinary numbers.
MISSING_SHARE = 0.5
MISSING_SHIFT = 0.25


def missing_shares(data: Dataset) -> dict[str, float]:
    """Each of the table's own columns (not derived rates): the share of rows missing it."""
    share = np.isnan(data.X).mean(axis=0) if len(data.ids) else np.zeros(len(data.feature_names))
    return {
        n: round(float(v), 6)
        for n, v in zip(data.feature_names, share, strict=True)
        if not derived_from(n)
    }


def missing_shift(
    trained: dict[str, float] | None, scanned: dict[str, float]
) -> list[tuple[str, float, float]]:
    """(column, training share, scan share) of the columns missing far more often than in
    training (``MISSING_SHARE``, ``MISSING_SHIFT``); empty for a model that did not record
    its shares."""
    if not trained:
        return []
    return [
        (n, t, scanned[n])
        for n, t in trained.items()
        if n in scanned and scanned[n] >= MISSING_SHARE and scanned[n] >= t + MISSING_SHIFT
    ]


def with_partial_days(
    data: Dataset,
    numbers: np.ndarray,
    times: np.ndarray,
    X: np.ndarray,
    labels: pa.Table,
    unlabelled: str = "benign",
) -> Dataset:
    """``data`` (whole-day rows) plus feature rows of days in progress (``stream.snapshots``),
    labelled by number as ``cdr_dataset`` labels (``unlabelled`` as there); ids
    ``number@t<epoch s>``. A number's rows share its group, so folds never split them."""
    if unlabelled not in UNLABELLED:
        raise InputError(f"--unlabelled must be benign or skip, not {unlabelled!r}")
    if X.shape[1] != len(data.feature_names):
        raise InputError(f"{X.shape[1]} snapshot features for {len(data.feature_names)} columns")
    keys = match_labels(numbers.tolist(), labels["number"]).keys
    lab = labels_by_number(keys, labels["label"].to_pylist())
    # (numbers labelled unknown are out of training, as in ``cdr_dataset``)
    keep = np.fromiter(
        (lab.get(n) != UNKNOWN and (unlabelled != "skip" or n in lab) for n in numbers.tolist()),
        bool,
        len(numbers),
    )
    numbers, times, X = numbers[keep], times[keep], X[keep]
    y_str = pa.array([lab.get(n, BENIGN) for n in numbers.tolist()], pa.string())
    ids = np.array(
        [f"{n}@t{t}" for n, t in zip(numbers.tolist(), times.tolist(), strict=True)], dtype=object
    )
    return Dataset(
        ids=np.r_[data.ids, ids],
        X=np.r_[data.X, X],
        y=np.r_[data.y, label_codes(y_str, data.classes)],
        classes=data.classes,
        feature_names=data.feature_names,
        groups=np.r_[data.groups, numbers.astype(object)],
    )


def combined(sets: Sequence[Dataset]) -> Dataset:
    """Several labelled training sets as one training set: each row keeps the label its own
    set gave it (a number may be benign in one set and fraud in another: another time,
    another carrier's export). The sets are concatenated in the order of their fingerprints,
    so the order they were given in changes nothing (rows with the same id, a number on the
    same day in two sets, then keep that order through ``Dataset.sorted``'s stable sort).
    A number's rows share its group in every set, so folds never split them."""
    if not sets:
        raise InputError("no training set")
    if len(sets) == 1:
        return sets[0]
    first = sets[0]
    for k, d in enumerate(sets[1:], start=2):
        if d.classes != first.classes:
            raise InputError(
                f"training set {k} has classes {list(d.classes)}, set 1 {list(first.classes)}"
            )
        if d.feature_names != first.feature_names:
            raise InputError(f"training set {k} has other feature columns than set 1")
    prints = [d.fingerprint() for d in sets]
    for k, p in enumerate(prints):
        if p in prints[:k]:
            raise InputError(
                f"training sets {prints.index(p) + 1} and {k + 1} are the same rows with the "
                "same labels: give each set once"
            )
    ordered = [d for _, d in sorted(zip(prints, sets, strict=True), key=lambda t: t[0])]
    return Dataset(
        ids=np.concatenate([d.ids for d in ordered]),
        X=np.concatenate([d.X for d in ordered]),
        y=np.concatenate([d.y for d in ordered]),
        classes=first.classes,
        feature_names=first.feature_names,
        groups=np.concatenate([d.groups for d in ordered]),
    )
