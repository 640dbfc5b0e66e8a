"""Flag-threshold rules measured against the next day (session 25, issue 4; docs/detection.md,
"Threshold rules tried").

Subcommands:

``oof SIM MODEL OUT.npz``
    The training day's out-of-fold bad-scores, from the training code's own functions
    (``training_sets``, ``_cdr_training_data``, ``out_of_fold``, the model's stored config);
    prints whether ``for_precision`` on them gives the model's stored threshold.
``rules OOF.npz``
    The candidate thresholds (below) from those scores.
``rescore OOF.npz MODEL VERDICTS LABELS``
    A scan day's verdicts re-scored offline under each rule: flagged when the number's own
    model score reaches the rule's threshold, or when the scan flagged it for a hard rule or
    its campaign (kept as scanned: confirm a rule with a real ``scan``).
``crossday MODEL VERDICTS_X LABELS_X VERDICTS_Y LABELS_Y``
    Exploration, offline: the threshold ``for_precision`` chooses on day X's own scores by the
    model (its scan of X), judged on day Y against the model's stored threshold.

Rules, pre-registered before their figures (L = log-odds of the benign out-of-fold scores,
L(1) the highest; P positives; alpha = P(1 - target) / target, the false flags the target
allows at full recall; k = 20; sigma = mean of L(i) - L(k) over the k - 1 above, the
exponential scale of the top-k exceedances):
  a  today's ``for_precision``;
  b  max(a, L(1) + sigma);
  c  L(k) + sigma ln(k / alpha): the expected benign count above it on a day the size of the
     training day is alpha under an exponential tail;
  d  max(a, c);
  e  max(a, L(1) + 2.5 sigma) (added after the exploration pairs: the margin 21 -> 22 needed).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from callwarden.detect.thresholds import for_precision

K = 20


def logit(s: np.ndarray | float) -> np.ndarray:
    s = np.clip(np.asarray(s, float), 1e-12, 1 - 1e-12)
    return np.asarray(np.log(s / (1 - s)))


def expit(x: float) -> float:
    return float(1 / (1 + np.exp(-x)))


def rules(scores: np.ndarray, positive: np.ndarray, target: float = 0.999) -> dict[str, float]:
    """Each rule's threshold (a score) from out-of-fold scores."""
    a = for_precision(scores, positive, target).value
    b = np.sort(logit(scores[~positive]))[::-1]
    if len(b) <= K:
        return dict.fromkeys("abcde", a)
    sigma = float(np.mean(b[: K - 1] - b[K - 1]))
    alpha = float(positive.sum()) * (1 - target) / target
    c = expit(float(b[K - 1]) + sigma * float(np.log(K / alpha)))
    return {
        "a": a,
        "b": max(a, expit(float(b[0]) + sigma)),
        "c": c,
        "d": max(a, c),
        "e": max(a, expit(float(b[0]) + 2.5 * sigma)),
        "sigma": sigma,
        "alpha": alpha,
        "L1": float(b[0]),
        "Lk": float(b[K - 1]),
    }


def _oof(sim: Path, model: Path, out: Path) -> None:
    from callwarden.cli._training_sets import training_sets
    from callwarden.cli.train import _cdr_training_data
    from callwarden.detect.model import TrainConfig, bad_score, out_of_fold

    manifest = json.loads((model / "manifest.json").read_text())
    config = TrainConfig.from_dict(manifest["config"])
    sets = training_sets([sim], [sim / "labels.csv"], [sim / "registry.csv"], None)
    data, _ = _cdr_training_data(sets, None, manifest.get("tz", "Asia/Shanghai"), 0.0)
    data = data.sorted()
    scores = bad_score(out_of_fold(data, config))
    positive = data.y != 0
    got = for_precision(scores, positive, config.target_precision).value
    saved = json.loads((model / "thresholds.json").read_text())["value"]
    print(f"{len(scores):,} rows, {int(positive.sum())} positive: threshold {got:.6f}, "
          f"stored {saved:.6f}{'' if got == saved else '  [DIFFERS]'}")  # fmt: skip
    np.savez(out, ids=data.ids.astype(str), y=data.y, score=scores)


def _own_score(row: dict[str, str]) -> tuple[float, bool]:
    """The model's own score, and whether the scan flagged the number for its campaign."""
    for r in json.loads(row["reasons"] or "[]"):
        if r.get("code") == "campaign_flagged_members":
            own = r.get("evidence", {}).get("own_score")
            return (float(row["score"]) if own is None else float(own)), True
    return float(row["score"]), False


def _scanned(verdicts: Path, labels: Path, used: float) -> tuple[np.ndarray, ...]:
    """Per scanned number: bad (labels), the model's own score, flagged whatever the
    threshold (a hard rule's or its campaign's flag, as scanned at ``used``)."""
    with labels.open() as f:
        truth = {r["number"]: r["label"] != "benign" for r in csv.DictReader(f)}
    bad, own, kept = [], [], []
    with verdicts.open() as f:
        for row in csv.DictReader(f):
            score, campaign = _own_score(row)
            flagged = row["label"] != "benign"
            bad.append(truth.get(row["number"], False))
            own.append(score)
            kept.append(flagged and (campaign or score < used))
    return np.array(bad), np.array(own), np.array(kept)


def _line(name: str, t: float, is_bad: np.ndarray, scores: np.ndarray, always: np.ndarray) -> str:
    flagged = always | (scores >= t)
    tp, fp, n = int((flagged & is_bad).sum()), int((flagged & ~is_bad).sum()), int(is_bad.sum())
    return (
        f"{name} threshold {t:.4f} (L {float(logit(t)):+.2f}): benign flagged {fp}, "
        f"recall {tp}/{n} = {tp / max(n, 1):.4f}, precision {tp / max(tp + fp, 1):.4f}"
    )


def _rescore(oof: Path, model: Path, verdicts: Path, labels: Path) -> None:
    z = np.load(oof)
    thresholds = rules(z["score"], z["y"] != 0)
    used = json.loads((model / "thresholds.json").read_text())["value"]
    scanned = _scanned(verdicts, labels, used)
    for k in "abcde":
        print(_line(k, thresholds[k], *scanned))


def _crossday(model: Path, vx: Path, lx: Path, vy: Path, ly: Path) -> None:
    used = json.loads((model / "thresholds.json").read_text())["value"]
    bad_x, own_x, _ = _scanned(vx, lx, used)
    chosen = for_precision(own_x, bad_x, 0.999).value
    on_y = _scanned(vy, ly, used)
    print(_line("stored", used, *on_y))
    print(_line("chosen on X", chosen, *on_y))


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("oof")
    o.add_argument("sim", type=Path)
    o.add_argument("model", type=Path)
    o.add_argument("out", type=Path)
    r = sub.add_parser("rules")
    r.add_argument("oof", type=Path)
    s = sub.add_parser("rescore")
    for name in ("oof", "model", "verdicts", "labels"):
        s.add_argument(name, type=Path)
    c = sub.add_parser("crossday")
    for name in ("model", "vx", "lx", "vy", "ly"):
        c.add_argument(name, type=Path)
    a = p.parse_args()
    if a.cmd == "oof":
        _oof(a.sim, a.model, a.out)
    elif a.cmd == "rules":
        z = np.load(a.oof)
        print(json.dumps(rules(z["score"], z["y"] != 0), indent=1))
    elif a.cmd == "rescore":
        _rescore(a.oof, a.model, a.verdicts, a.labels)
    else:
        _crossday(a.model, a.vx, a.lx, a.vy, a.ly)


if __name__ == "__main__":
    main()
