"""Two scans of one day compared: what a candidate model would newly flag and stop flagging.

Pure core of ``callwarden compare`` (docs/detection.md, "Comparing two models before one
replaces the other"): Arrow tables in, a dict out; the CLI reads the files, the CDRs'
heavy callers and the store's facts, and hands them in. Work over every number is
vectorised (an Arrow join and masks); Python touches only the changed numbers (guards, top
lists), which a retraining keeps to a few thousand at most.

``verdict_table`` checks one scan's verdicts; :func:`align` joins two on the number;
:func:`changed_numbers` names the numbers the store is asked about; :func:`compare` builds
the report. A guard is a stable code plus evidence (house style), and ``fired`` says
whether it found anything; ``strict`` guards are those ``compare --strict`` exits 1 on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.errors import InputError
from callwarden.policy import (
    SCREENING_SOURCE,
    Reason,
    Thresholds,
    Verdict,
    as_strong_as_screened,
)
from callwarden.policy.scan_day import keeps_screened_label

FLAGGED = ("harassment", "fraud")
LABELS = ("benign", *FLAGGED)
#: the columns a scan writes beside the required number, label and score
OPTIONAL = ("category", "reasons", "campaign")
#: numbers listed in a guard's evidence (the count is always whole)
LISTED = 50


class GuardCode(StrEnum):
    """What a guard found. The first three are ``strict``: a newly flagged number that
    people vouched for or that calls like a legitimate business; the last two are advisory
    (the store keeps a community label against a model's benign verdict, and a number's
    reports below the community bar are the model's to weigh; a screener's live label the
    import would replace comes back at the number's next screened bot call, and the
    candidate's word on the number may be the better one)."""

    NEWLY_FLAGGED_HEAVY_CALLER = "NEWLY_FLAGGED_HEAVY_CALLER"
    NEWLY_FLAGGED_REGISTERED = "NEWLY_FLAGGED_REGISTERED"
    NEWLY_FLAGGED_APPEALED = "NEWLY_FLAGGED_APPEALED"
    CLEARED_REPORTED = "CLEARED_REPORTED"
    CLEARED_SCREENED = "CLEARED_SCREENED"


STRICT = frozenset(
    {
        GuardCode.NEWLY_FLAGGED_HEAVY_CALLER,
        GuardCode.NEWLY_FLAGGED_REGISTERED,
        GuardCode.NEWLY_FLAGGED_APPEALED,
    }
)


@dataclass(frozen=True)
class StoreFacts:
    """What the store says about the changed numbers (``store.compare_facts`` reads it):
    ``registered`` newly flagged number -> every registration that covers it (pattern, name,
    category, callee_prefixes), the most specific first; ``appealed`` newly flagged number -> accepted appeals;
    ``reported`` cleared number -> {reports, reporters, weight}; ``community`` cleared
    number -> the community label the store holds (verdict source ``reports``);
    ``screened`` every number the store holds a screener's live label on (source
    ``screening``, whether or not either scan lists it) -> {label, category, score,
    labelled_at, bot_callees, judged_callees, share, window_days}, and ``screened_at`` when
    each was written (epoch seconds, the row's ``updated_at``: rule 4 compares it with the
    scan day's end); ``thresholds`` the score bands in force (the store's saved ones, else
    the policy's defaults)."""

    registered: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)
    appealed: Mapping[str, int] = field(default_factory=dict)
    reported: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    community: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    screened: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    thresholds: Thresholds = field(default_factory=Thresholds)
    screened_at: Mapping[str, float] = field(default_factory=dict)


def verdict_table(table: pa.Table, where: str) -> pa.Table:
    """A scan's verdicts (every column read as text) as number, written, parsed, label,
    score, category, reasons, campaign. ``number`` is the E.164 form (``numbers``'
    normaliser, as ``labels`` and ``train`` match label numbers), so ``13800000001`` and
    ``+8613800000001`` are one number; an id that does not parse keeps its own (trimmed)
    text, ``parsed`` False; ``written`` is the id as the file has it (trimmed). Labels
    trimmed and lower-cased, scores as floats, missing optional columns blank. A file that is
    not a scan's verdicts is an InputError that names ``where`` and the first problem: a
    missing column, an empty number or one number twice (in any spelling), a label that is
    no class, a score that is no number or outside ``SCORE_RANGE`` (NaN, inf) on its row."""
    from callwarden.numbers import normalize_array

    names = table.column_names
    missing = [c for c in ("number", "label", "score") if c not in names]
    if missing:
        raise InputError(
            f"{where} is not a scan's verdicts: no {missing[0]!r} column (its columns: "
            f"{', '.join(names[:8]) or 'none'}; a scan writes number,label,score,category,"
            "reasons,campaign)"
        )
    written = pc.utf8_trim_whitespace(pc.cast(table["number"], pa.string())).combine_chunks()
    blank = pc.or_(pc.is_null(written), pc.equal(written, ""))
    if pc.any(blank).as_py():
        row = int(pc.index(blank, True).as_py()) + 1
        raise InputError(f"{where} is not a scan's verdicts: data row {row} has no number")
    e164 = normalize_array(written)
    parsed = pc.is_valid(e164)
    number = pc.coalesce(e164, written)
    if table.num_rows and pc.count_distinct(number).as_py() != table.num_rows:
        _refuse_twice(number, written, where)
    label = pc.utf8_lower(pc.utf8_trim_whitespace(pc.fill_null(table["label"], "")))
    bad = pc.invert(pc.is_in(label, value_set=pa.array(LABELS)))
    if pc.any(bad).as_py():
        row = int(pc.index(bad, True).as_py())
        raise InputError(
            f"{where} is not a scan's verdicts: data row {row + 1} has label "
            f"{label[row].as_py()!r} (a scan writes {', '.join(LABELS)})"
        )
    score = _scores(table["score"], where)
    cols: dict[str, Any] = {
        "number": number,
        "written": written,
        "parsed": parsed,
        "label": label,
        "score": score,
    }
    for c in OPTIONAL:
        cols[c] = (
            pc.fill_null(pc.cast(table[c], pa.string()), "")
            if c in names
            else pa.array([""] * table.num_rows, pa.string())
        )
    return pa.table(cols)


def _refuse_twice(number: pa.Array, written: pa.Array, where: str) -> None:
    """The InputError of a file that lists one number more than once, with the first such
    number's two rows and spellings (``13800000001`` and ``+8613800000001`` are one)."""
    counts = pc.value_counts(number)
    twice = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    first = twice[0].as_py()
    rows = np.flatnonzero(pc.equal(number, first).to_numpy(zero_copy_only=False))[:2]
    a, b = (written[int(i)].as_py() for i in rows)
    spelt = f"{a!r}" if a == b else f"{a!r} and {b!r}, one number ({first})"
    raise InputError(
        f"{where} lists {len(twice):,} number(s) more than once (e.g. {spelt} on data rows "
        f"{int(rows[0]) + 1} and {int(rows[1]) + 1}): one verdict per number"
    )


def _scores(column: pa.ChunkedArray, where: str) -> pa.Array:
    """The score column as floats; an InputError names the first row whose score is blank,
    not a number, or not a finite number in ``SCORE_RANGE`` (the store's import refuses
    those too, so a scan could not be imported either)."""
    from callwarden.store.io import SCORE_RANGE

    text = pc.utf8_trim_whitespace(pc.cast(column, pa.string())).combine_chunks()
    blank = pc.fill_null(pc.equal(text, ""), True)
    if pc.any(blank).as_py():
        row = int(pc.index(blank, True).as_py()) + 1
        raise InputError(f"{where} is not a scan's verdicts: data row {row} has no score")
    try:
        score = pc.cast(text, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        # Only on failure, in Python: the row (Arrow's message names the value, not the row).
        for i, cell in enumerate(text.to_pylist()):
            if not _is_float(cell):
                raise InputError(
                    f"{where} is not a scan's verdicts: data row {i + 1} has score {cell!r}, "
                    "a score is not a number"
                ) from None
        raise InputError(
            f"{where} is not a scan's verdicts: a score is not a number ({exc})"
        ) from exc
    lo, hi = SCORE_RANGE
    values = score.to_numpy(zero_copy_only=False)
    out = ~np.isfinite(values) | (values < lo) | (values > hi)
    if out.any():
        row = int(np.flatnonzero(out)[0])
        raise InputError(
            f"{where} is not a scan's verdicts: data row {row + 1} has score "
            f"{text[row].as_py()!r}: a score is a finite number from {lo:g} to {hi:g}"
        )
    return score


def _is_float(cell: str) -> bool:
    """``cell`` reads as a float the way Python does, digit separators aside (Arrow takes
    no ``1_0``)."""
    try:
        float(cell)
    except ValueError:
        return False
    return "_" not in cell


def align(old: pa.Table, new: pa.Table) -> pa.Table:
    """The two scans' verdicts (``verdict_table``) side by side, one row per number either
    scanned (``old``'s rows in its order, then the numbers only ``new`` lists): ``old_*``
    and ``new_*`` columns (null where that scan lacks the number), ``in_old`` / ``in_new``,
    and ``old_flagged`` / ``new_flagged`` (a number one scan lacks is not flagged by it).
    Matched with one hash lookup (``index_in``), not a join: 2.6 M rows in under a second."""
    where = pc.index_in(old["number"], value_set=new["number"].combine_chunks())
    found = pc.fill_null(where, -1).to_numpy(zero_copy_only=False)
    matched = np.zeros(new.num_rows, dtype=bool)
    matched[found[found >= 0]] = True
    only_new = new.filter(pa.array(~matched))
    cols: dict[str, Any] = {
        "number": pa.concat_arrays(
            [pc.cast(c, pa.string()) for c in (*old["number"].chunks, *only_new["number"].chunks)]
        )
        if old.num_rows + only_new.num_rows
        else pa.array([], pa.string())
    }
    pad_old = pa.nulls(only_new.num_rows)
    for c in old.column_names[1:]:
        col = old[c].combine_chunks()
        cols[f"old_{c}"] = pa.concat_arrays([col, pad_old.cast(col.type)])
    taken = new.take(where)
    for c in new.column_names[1:]:
        col = taken[c].combine_chunks()
        cols[f"new_{c}"] = pa.concat_arrays([col, only_new[c].combine_chunks()])
    in_old = np.zeros(old.num_rows + only_new.num_rows, dtype=bool)
    in_old[: old.num_rows] = True
    in_new = np.concatenate([found >= 0, np.ones(only_new.num_rows, dtype=bool)])
    cols["in_old"], cols["in_new"] = pa.array(in_old), pa.array(in_new)
    for side in ("old", "new"):
        flagged = pc.is_in(cols[f"{side}_label"], value_set=pa.array(FLAGGED))
        cols[f"{side}_flagged"] = pc.fill_null(flagged, False)
    return pa.table(cols)


def changed_numbers(aligned: pa.Table) -> tuple[list[str], list[str]]:
    """(newly flagged, cleared) numbers in E.164, sorted: the ones the store is asked about
    (it keeps E.164 numbers only, so an id that does not parse is not asked)."""
    old, new = aligned["old_flagged"], aligned["new_flagged"]
    parsed = pc.fill_null(pc.coalesce(aligned["old_parsed"], aligned["new_parsed"]), False)
    newly = pc.filter(aligned["number"], pc.and_(parsed, pc.and_(new, pc.invert(old))))
    cleared = pc.filter(aligned["number"], pc.and_(parsed, pc.and_(old, pc.invert(new))))
    return sorted(newly.to_pylist()), sorted(cleared.to_pylist())


def _codes(reasons: str) -> list[str]:
    """The codes of a verdict's stored reasons (JSON [{code, evidence}]); [] when the cell
    is not such a list (an older or hand-made file)."""
    try:
        parsed = json.loads(reasons) if reasons else []
    except ValueError:
        return []
    if not isinstance(parsed, list):
        return []
    return [str(r.get("code")) for r in parsed if isinstance(r, dict) and r.get("code")]


def _counts(column: pa.ChunkedArray | pa.Array, top: int | None = None) -> dict[str, int]:
    """Value -> count, the most frequent first (ties by value); ``top``: only that many."""
    if len(column) == 0:
        return {}
    vc = pc.value_counts(column).to_pylist()
    pairs = sorted(((str(r["values"]), int(r["counts"])) for r in vc), key=lambda p: (-p[1], p[0]))
    return dict(pairs[:top] if top is not None else pairs)


def _rows(t: pa.Table, by: str, top: int, side: str) -> list[dict[str, Any]]:
    """The ``top`` rows of ``t`` by ``by`` (highest first, then by number), each with both
    scores and labels and ``side``'s category, campaign and reason codes."""
    if t.num_rows == 0 or top <= 0:
        return []
    t = t.sort_by([(by, "descending"), ("number", "ascending")]).slice(0, top)
    out = []
    for r in t.to_pylist():
        out.append(
            {
                "number": r["number"],
                "written": r[f"{side}_written"],
                "old_label": r["old_label"],
                "new_label": r["new_label"],
                "old_score": r["old_score"],
                "new_score": r["new_score"],
                "category": r[f"{side}_category"] or "",
                "campaign": r[f"{side}_campaign"] or "",
                "reason_codes": _codes(r[f"{side}_reasons"] or ""),
            }
        )
    return out


def _guard(code: GuardCode, numbers: list[str], **evidence: Any) -> dict[str, Any]:
    return {
        "code": str(code),
        "fired": bool(numbers),
        "strict": code in STRICT,
        "evidence": {"count": len(numbers), "numbers": numbers[:LISTED], **evidence},
    }


def _flag_figures(flagged: np.ndarray, bad: np.ndarray, benign: np.ndarray) -> dict[str, Any]:
    tp = int((flagged & bad).sum())
    fp = int((flagged & benign).sum())
    fn = int((~flagged & bad).sum())
    return {
        "measured": int((bad | benign).sum()),
        "flagged": tp + fp,
        "true_positives": tp,
        "false_positives": fp,
        "missed": fn,
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / (tp + fn) if tp + fn else None,
    }


#: What a scanned number the labels do not list counts as (``evaluate --unlabelled``)
UNLABELLED_AS = ("benign", "skip")


def _truth_section(
    aligned: pa.Table,
    truth: pa.Table,
    newly: np.ndarray,
    cleared: np.ndarray,
    unlabelled_as: str = "benign",
) -> dict[str, Any]:
    """Each scan's flagged-vs-benign figures as ``evaluate`` computes them on that scan
    alone: over the numbers that scan lists, ``unknown`` left out, a number the labels do
    not list benign (``unlabelled_as`` ``benign``, evaluate's default) or left out
    (``skip``); recall over every labelled bad number (one the scan does not list counts as
    missed, evaluate's ``all_labelled``); and the truth of the newly flagged and cleared
    numbers."""
    if unlabelled_as not in UNLABELLED_AS:
        raise InputError(f"--unlabelled must be 'benign' or 'skip', not {unlabelled_as!r}")
    t = truth.rename_columns(["number", "truth"])
    extra = set(pc.unique(t["truth"]).to_pylist()) - {*LABELS, "unknown"}
    if extra:
        raise InputError(f"unknown label(s) {sorted(extra)[:5]} in the labels; expected {LABELS}")
    at = pc.index_in(aligned["number"], value_set=t["number"].combine_chunks())
    label = pc.fill_null(pc.take(t["truth"], at), "")

    def mask(values: tuple[str, ...]) -> np.ndarray:
        return np.asarray(
            pc.is_in(label, value_set=pa.array(values)).to_numpy(zero_copy_only=False)
        )

    bad, benign, unknown, unlabelled = (
        mask(FLAGGED),
        mask(("benign",)),
        mask(("unknown",)),
        mask(("",)),
    )
    t_bad = pc.is_in(t["truth"], value_set=pa.array(FLAGGED))
    in_scans = pc.is_in(t["number"], value_set=aligned["number"].combine_chunks())
    unseen_bad = int(pc.sum(pc.and_(t_bad, pc.invert(in_scans))).as_py() or 0)
    section: dict[str, Any] = {
        "unlabelled_taken_as": unlabelled_as,
        "labelled_numbers": int((bad | benign).sum()),
        "unknown_numbers": int(unknown.sum()),
        "unlabelled_numbers": int(unlabelled.sum()),
        "bad_numbers_not_scanned": unseen_bad,
    }
    as_benign = benign | unlabelled if unlabelled_as == "benign" else benign
    for side in ("old", "new"):
        listed = aligned[f"in_{side}"].to_numpy(zero_copy_only=False)
        flagged = aligned[f"{side}_flagged"].to_numpy(zero_copy_only=False)
        fig = _flag_figures(flagged & listed, bad & listed, as_benign & listed)
        # bad numbers this scan does not list: neither scan's, and the other scan's only
        all_bad = int((bad & listed).sum()) + unseen_bad + int((bad & ~listed).sum())
        fig["recall_all_labelled"] = fig["true_positives"] / all_bad if all_bad else None
        fig["unlabelled_numbers"] = int((unlabelled & listed).sum())
        fig["unknown_numbers"] = int((unknown & listed).sum())
        section[side] = fig
    for name, sel in (("newly_flagged", newly), ("cleared", cleared)):
        section[name] = {
            "bad": int((sel & bad).sum()),
            "benign": int((sel & benign).sum()),
            "unknown": int((sel & unknown).sum()),
            "unlabelled": int((sel & unlabelled).sum()),
        }
    return section


def compare(
    aligned: pa.Table,
    *,
    top: int = 20,
    heavy: frozenset[str] | set[str] | None = None,
    heavy_attempts: int = 50,
    store: StoreFacts | None = None,
    truth: pa.Table | None = None,
    unlabelled_as: str = "benign",
    new_scan_end: float | None = None,
) -> dict[str, Any]:
    """The comparison of ``align``'s table. ``heavy``: numbers with at least
    ``heavy_attempts`` calls on a local day of the CDRs (None: no CDRs given, that guard is
    not run); ``store``: the store's facts on the changed numbers (None: no store);
    ``new_scan_end``: the end of the new scan's day (``Provenance.day_end`` of its
    scan-summary.json, as its import reads it; None: no usable day), for
    ``CLEARED_SCREENED``;
    ``truth``: a table of number and class (benign, harassment, fraud, unknown; None: no
    labels), ``unlabelled_as``: what a scanned number it lacks counts as (evaluate's
    ``--unlabelled``: ``benign`` or ``skip``). Numbers are E.164 (``verdict_table``); the
    ids that do not parse are counted (``numbers.not_e164``)."""
    old = aligned["old_flagged"].to_numpy(zero_copy_only=False)
    new = aligned["new_flagged"].to_numpy(zero_copy_only=False)
    newly, cleared, both = new & ~old, old & ~new, old & new
    in_old = aligned["in_old"].to_numpy(zero_copy_only=False)
    in_new = aligned["in_new"].to_numpy(zero_copy_only=False)
    parsed = pc.fill_null(pc.coalesce(aligned["old_parsed"], aligned["new_parsed"]), False)
    not_e164 = pc.filter(
        pc.coalesce(aligned["old_written"], aligned["new_written"]), pc.invert(parsed)
    )
    report: dict[str, Any] = {
        "numbers": {
            "either": aligned.num_rows,
            "both": int((in_old & in_new).sum()),
            "only_old": int((in_old & ~in_new).sum()),
            "only_new": int((in_new & ~in_old).sum()),
            # ids that are no phone number: matched only as written, not asked of the store
            "not_e164": len(not_e164),
            "not_e164_examples": not_e164.slice(0, 3).to_pylist(),
        },
        "counts": {
            "flagged_by_both": int(both.sum()),
            "cleared": int(cleared.sum()),
            "newly_flagged": int(newly.sum()),
            "neither": int((~old & ~new).sum()),
            "old_flagged": int(old.sum()),
            "new_flagged": int(new.sum()),
        },
    }
    kept = aligned.filter(pa.array(both))
    pairs = pc.binary_join_element_wise(kept["old_label"], kept["new_label"], "->")
    report["label_changes"] = _counts(
        pc.filter(pairs, pc.not_equal(kept["old_label"], kept["new_label"]))
    )
    moved = pc.not_equal(kept["old_category"], kept["new_category"])
    cat_pairs = pc.binary_join_element_wise(
        pc.filter(kept["old_category"], moved), pc.filter(kept["new_category"], moved), "->"
    )
    report["category_changes"] = {
        "count": len(cat_pairs),
        "top": _counts(cat_pairs, top),
    }
    newly_t = aligned.filter(pa.array(newly))
    cleared_t = aligned.filter(pa.array(cleared))
    report["top_newly_flagged"] = _rows(newly_t, "new_score", top, "new")
    report["top_cleared"] = _rows(cleared_t, "old_score", top, "old")
    report["newly_flagged_by_campaign"] = _counts(newly_t["new_campaign"], top)
    report["cleared_by_campaign"] = _counts(cleared_t["old_campaign"], top)
    # The guards list their numbers the highest-scored first, the order the top lists use.
    newly_order = newly_t.sort_by([("new_score", "descending"), ("number", "ascending")])
    newly_numbers = newly_order["number"].to_pylist()
    cleared_order = cleared_t.sort_by([("old_score", "descending"), ("number", "ascending")])
    cleared_numbers = cleared_order["number"].to_pylist()
    guards: list[dict[str, Any]] = []
    hit: list[str] = []
    reg: list[str] = []
    app: list[str] = []
    said: list[str] = []
    screened: list[str] = []
    if heavy is not None:
        hit = [n for n in newly_numbers if n in heavy]
        guards.append(
            _guard(GuardCode.NEWLY_FLAGGED_HEAVY_CALLER, hit, min_attempts_per_day=heavy_attempts)
        )
    if store is not None:
        reg = [n for n in newly_numbers if n in store.registered]
        guards.append(
            _guard(
                GuardCode.NEWLY_FLAGGED_REGISTERED,
                reg,
                registrations={n: [dict(r) for r in store.registered[n]] for n in reg[:LISTED]},
            )
        )
        app = [n for n in newly_numbers if store.appealed.get(n)]
        guards.append(
            _guard(
                GuardCode.NEWLY_FLAGGED_APPEALED,
                app,
                accepted_appeals={n: int(store.appealed[n]) for n in app[:LISTED]},
            )
        )
        said = [n for n in cleared_numbers if n in store.reported or n in store.community]
        guards.append(
            _guard(
                GuardCode.CLEARED_REPORTED,
                said,
                community_labelled=sum(1 for n in said if n in store.community),
                reported=sum(1 for n in said if n in store.reported),
                facts={
                    n: {
                        **({"community": dict(store.community[n])} if n in store.community else {}),
                        **({"reports": dict(store.reported[n])} if n in store.reported else {}),
                    }
                    for n in said[:LISTED]
                },
            )
        )
        screened, screened_evidence = _screened_guard(aligned, store, new_scan_end)
        guards.append(_guard(GuardCode.CLEARED_SCREENED, screened, **screened_evidence))
    if truth is not None:
        report["labels"] = _truth_section(aligned, truth, newly, cleared, unlabelled_as)
        # A heavy caller may be a robocaller as well as a courier: with labels, each guard
        # says how many of its numbers are truly bad (the carrier without labels reads the
        # list). Counted over every number the guard found, not only the listed ones.
        found = {
            str(GuardCode.NEWLY_FLAGGED_HEAVY_CALLER): hit,
            str(GuardCode.NEWLY_FLAGGED_REGISTERED): reg,
            str(GuardCode.NEWLY_FLAGGED_APPEALED): app,
            str(GuardCode.CLEARED_REPORTED): said,
            str(GuardCode.CLEARED_SCREENED): screened,
        }
        for g in guards:
            g["evidence"]["labels"] = _truth_counts(truth, found[g["code"]])
    report["guards"] = guards
    report["strict_guards_fired"] = [g["code"] for g in guards if g["fired"] and g["strict"]]
    return report


def _screened_guard(
    aligned: pa.Table, store: StoreFacts, scan_end: float | None
) -> tuple[list[str], dict[str, Any]]:
    """``CLEARED_SCREENED``: the numbers whose screener's live label an import of the new
    scan would replace with a verdict that acts less hard. An import replaces a label of
    source ``screening`` with whatever verdict the scan lists unless the label was given
    after the end of the scan's day (``import_verdicts``' rule 4, decided by
    ``policy.scan_day.keeps_screened_label`` for both; ``scan_end`` None: no usable day, no
    label kept), and leaves a number the scan does not list alone; so the guard asks every
    number the store has a screener's label on (few) that the new scan lists, in or out of
    the old scan (the label came from screening, not a scan), counts those the import keeps
    (``kept_newer_than_scan``), and names those whose new verdict is not as strong as the label
    (``policy.as_strong_as_screened``, the test the screener itself applies before
    labelling over a verdict): benign, or a flag below its class's reject band with no
    rejecting rule's reason (no 608 at strict, where the label rejects). Ordered by the
    stored score, the highest first. Returns the numbers and the evidence beside them."""
    wanted = pa.array(sorted(store.screened), pa.string())
    parsed = pc.fill_null(aligned["new_parsed"], False)
    asked = pc.and_(pc.and_(aligned["in_new"], parsed), pc.is_in(aligned["number"], wanted))
    rows = aligned.filter(asked).select(
        ["number", "new_label", "new_score", "new_category", "new_reasons"]
    )
    to_benign: list[str] = []
    weaker: list[str] = []
    kept = 0
    new: dict[str, dict[str, Any]] = {}
    for r in rows.to_pylist():
        n = r["number"]
        at = store.screened_at.get(n)
        if at is not None and keeps_screened_label(SCREENING_SOURCE, at, scan_end):
            kept += 1
            continue
        v = Verdict(
            n,
            r["new_label"],
            float(r["new_score"]),
            r["new_category"] or "",
            tuple(Reason(code, {}) for code in _codes(r["new_reasons"] or "")),
        )
        if as_strong_as_screened(v, store.thresholds):
            continue
        (to_benign if v.label == "benign" else weaker).append(n)
        new[n] = {"label": v.label, "score": v.score, "category": v.category}
    found = sorted(to_benign + weaker, key=lambda n: (-float(store.screened[n]["score"]), n))
    return found, {
        "screener_labels": len(store.screened),
        "not_in_new": len(store.screened) - rows.num_rows,
        "kept_newer_than_scan": kept,
        "replaced_as_strong": rows.num_rows - kept - len(found),
        "to_benign": len(to_benign),
        "weaker": len(weaker),
        "thresholds": store.thresholds.as_dict(),
        "facts": {n: {"stored": dict(store.screened[n]), "new": new[n]} for n in found[:LISTED]},
    }


def _truth_counts(truth: pa.Table, numbers: list[str]) -> dict[str, int]:
    """How many of ``numbers`` the labels call bad, benign, unknown, or do not list."""
    t = truth.rename_columns(["number", "truth"])
    at = pc.index_in(pa.array(numbers, pa.string()), value_set=t["number"].combine_chunks())
    got = [x if x is not None else "" for x in pc.take(t["truth"], at).to_pylist()]
    return {
        "bad": sum(x in FLAGGED for x in got),
        "benign": got.count("benign"),
        "unknown": got.count("unknown"),
        "unlabelled": got.count(""),
    }
