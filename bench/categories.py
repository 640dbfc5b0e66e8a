"""How well the keyword categoriser names what real fraud scripts are (no training involved).

    python bench/categories.py [--data DIR] [--half dev|report|all] [--confusion]
    python bench/categories.py --english dev|report|report2 [--confusion] [--misses]

``screening.categories.categorise`` is a lexicon, not a trained model, so its figures on the
real data are what a carrier gets out of the box. Two public sets carry fraud kinds:

* ``cn_fraud_texts/dev.csv``: four kinds (police/government, customer service,
  leader/acquaintance, loan) and normal operator SMS;
* ``teleantifraud_dialogues/dev.jsonl``: eight kinds and normal phone dialogues (the
  caller's turns are categorised).

Each row falls in one half by the CRC32 of its text (cn) or id (dialogues): ``dev`` (even)
is the half the lexicon's cues were read from, ``report`` (odd) was not read while writing
them. Figures on ``dev`` are therefore optimistic; ``report`` is the one to quote.

``--english HALF`` reads ``bench/data/categories_en_<HALF>.csv`` instead (``id,text,category,
note``: English caller texts written for this bench, each labelled with the category it
should get; ``bench/data/README.md`` says who wrote which set and how). ``dev`` is the set
the English cues were written from; ``report`` was written blind to the lexicon and run once
after round one, then read for round two (so it is a second dev set now); ``report2`` was
written blind for round two and is run once its cues are final. Beside the fraud figures it prints the marketing topics and the
legitimate services named right, non-fraud lines (services, marketing, unknown) named
fraud, and the recall of every category.

Printed per set: fraud texts named as some fraud kind (recall of "fraud"), fraud texts
named a legitimate service (courier, bank service: the error that would reassure a victim),
the kind named right (where the set's kind maps to one category), and normal texts named as
fraud (false alarms).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from callwarden.screening.categories import Category, categorise  # noqa: E402

#: The sets' kinds -> the category that names them (None: fraud, no single category).
CN_KINDS = {
    "impersonate_police_gov": Category.FRAUD_IMPERSONATION_POLICE,
    "impersonate_customer_service": Category.FRAUD_CUSTOMER_SERVICE,
    "impersonate_leader_acquaintance": Category.FRAUD_ACQUAINTANCE,
    "loan_fraud": Category.FRAUD_LOAN,
}
# In these dialogues customer-service, identity-theft, phishing, bank and mail fraud are all
# "staff of a bank, platform or courier ask for details or money": 冒充客服 in the police's
# taxonomy, which is what the category names.
DIALOGUE_KINDS = {
    "客服诈骗": Category.FRAUD_CUSTOMER_SERVICE,
    "身份盗窃": Category.FRAUD_CUSTOMER_SERVICE,
    "钓鱼诈骗": Category.FRAUD_CUSTOMER_SERVICE,
    "银行诈骗": Category.FRAUD_CUSTOMER_SERVICE,
    "邮件诈骗": Category.FRAUD_CUSTOMER_SERVICE,
    "投资诈骗": Category.FRAUD_INVESTMENT,
    "彩票诈骗": Category.FRAUD_PRIZE,
    "绑架诈骗": Category.FRAUD_EXTORTION,
}


def half_of(key: str) -> str:
    return "dev" if zlib.crc32(key.encode()) % 2 == 0 else "report"


def read_cn(data: Path) -> list[tuple[str, str, str]]:
    """(half, kind, text); kind 'normal' for the SMS."""
    import pandas as pd

    df = pd.read_csv(data / "cn_fraud_texts" / "dev.csv", dtype=str)
    kinds = df["class_name"].str.split(" ").str[0]
    return [(half_of(t), k, t) for k, t in zip(kinds, df["text"], strict=True)]


def read_dialogues(data: Path) -> list[tuple[str, str, str]]:
    out = []
    with open(data / "teleantifraud_dialogues" / "dev.jsonl", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            kind = (r.get("fraud_type") or "normal") if r.get("label") == "fraud" else "normal"
            text = " ".join(t["text"] for t in r["turns"] if t.get("speaker") == "caller")
            out.append((half_of(str(r["id"])), kind, text))
    return out


def figures(rows: list[tuple[str, str]], kinds: dict[str, Category]) -> dict[str, object]:
    """rows: (kind, category named)."""
    fraud = [(k, c) for k, c in rows if k != "normal"]
    normal = [c for k, c in rows if k == "normal"]
    named_fraud = sum(Category(c) in _FRAUD for _, c in fraud)
    legit = sum(Category(c) in _LEGIT for _, c in fraud)
    right = sum(kinds.get(k) is Category(c) for k, c in fraud)
    false_alarm = sum(Category(c) in _FRAUD for c in normal)
    per_kind = {}
    for k in sorted({k for k, _ in fraud}):
        mine = [c for kk, c in fraud if kk == k]
        per_kind[k] = (
            len(mine),
            sum(Category(c) in _FRAUD for c in mine) / len(mine),
            sum(kinds.get(k) is Category(c) for c in mine) / len(mine),
        )
    return {
        "fraud": len(fraud),
        "named fraud": named_fraud / max(len(fraud), 1),
        "named legit service": legit / max(len(fraud), 1),
        "kind right": right / max(len(fraud), 1),
        "normal": len(normal),
        "normal named fraud": false_alarm / max(len(normal), 1),
        "per kind": per_kind,
    }


from callwarden.screening.categories import FRAUD as _FRAUD  # noqa: E402
from callwarden.screening.categories import LEGITIMATE as _LEGIT  # noqa: E402

MARKETING = frozenset(
    {Category.INSURANCE, Category.REAL_ESTATE, Category.EDUCATION, Category.LOANS, Category.MEDICAL}
)


def read_en(path: Path) -> list[tuple[str, str, str]]:
    """(id, category it should get, text) from an English set's CSV."""
    import csv

    with open(path, encoding="utf-8", newline="") as f:
        rows = [(r["id"], r["category"], r["text"]) for r in csv.DictReader(f)]
    bad = {c for _, c, _ in rows} - {c.value for c in Category}
    if bad:
        raise SystemExit(f"{path}: unknown categories {sorted(bad)}")
    return rows


def figures_en(rows: list[tuple[str, str]]) -> dict[str, object]:
    """rows: (category it should get, category named), both category values."""
    pairs = [(Category(t), Category(c)) for t, c in rows]

    def rate(sel: list[tuple[Category, Category]], ok: object) -> tuple[int, float]:
        hits = sum(bool(ok(t, c)) for t, c in sel)  # type: ignore[operator]
        return len(sel), hits / max(len(sel), 1)

    fraud = [p for p in pairs if p[0] in _FRAUD]
    legit = [p for p in pairs if p[0] in _LEGIT]
    marketing = [p for p in pairs if p[0] in MARKETING]
    unknown = [p for p in pairs if p[0] is Category.UNKNOWN]
    per_cat = {t.value: rate([p for p in pairs if p[0] is t], lambda t, c: t is c)
               for t in Category if any(p[0] is t for p in pairs)}  # fmt: skip
    return {
        "lines": len(pairs),
        "right": rate(pairs, lambda t, c: t is c),
        "fraud named as a fraud kind": rate(fraud, lambda t, c: c in _FRAUD),
        "fraud kind named right": rate(fraud, lambda t, c: t is c),
        "fraud named a legitimate service": rate(fraud, lambda t, c: c in _LEGIT),
        "legitimate service named right": rate(legit, lambda t, c: t is c),
        "legitimate service named fraud": rate(legit, lambda t, c: c in _FRAUD),
        "marketing topic named right": rate(marketing, lambda t, c: t is c),
        "marketing named fraud": rate(marketing, lambda t, c: c in _FRAUD),
        "unknown named unknown": rate(unknown, lambda t, c: t is c),
        "unknown named fraud": rate(unknown, lambda t, c: c in _FRAUD),
        "per category": per_cat,
    }


def _short(name: str) -> str:
    """impersonation_police -> impe_poli: distinct where the first letters are not."""
    return "_".join(p[:4] for p in name.split("_"))[:9]


def english(half: str, data: Path, confusion: bool, misses: bool) -> None:
    path = data / f"categories_en_{half}.csv"
    if not path.exists():
        raise SystemExit(f"{path} is absent")
    chosen = read_en(path)
    start = time.perf_counter()
    named = [categorise(t) for _, _, t in chosen]
    rate = len(chosen) / max(time.perf_counter() - start, 1e-9)
    rows = [(k, r.category.value) for (_, k, _), r in zip(chosen, named, strict=True)]
    f = figures_en(rows)
    print(f"\ncategories_en_{half}: {f['lines']} lines; {rate:,.0f} texts/s on one core")
    for name, value in f.items():
        if isinstance(value, tuple):
            n, share = value
            print(f"  {name:<34} {share:.3f}  (n={n})")
    print("  category                      n   right")
    for k, (n, ok) in f["per category"].items():  # type: ignore[attr-defined]
        print(f"  {k:<27} {n:>4}   {ok:.3f}")
    if confusion:  # rows: the category a line should get; columns: the one it got
        c = Counter(rows)
        cats = sorted({cat for _, cat in rows})
        print("  " + " ".join(f"{x:>9}" for x in ["want\\got", *map(_short, cats)]))
        for k in sorted({k for k, _ in rows}):
            print("  " + f"{_short(k):>9} " + " ".join(f"{c[(k, x)]:>9}" for x in cats))
    if misses:
        for (i, k, t), r in zip(chosen, named, strict=True):
            if r.category.value != k:
                print(f"  MISS {i} should {k}, named {r.category.value} {list(r.matched)}: {t}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--half", choices=("dev", "report", "all"), default="report")
    ap.add_argument("--confusion", action="store_true", help="print kind x category counts")
    ap.add_argument(
        "--english", choices=("dev", "report", "report2"), help="an English set instead"
    )
    ap.add_argument("--en-data", type=Path, default=ROOT / "bench" / "data")
    ap.add_argument("--misses", action="store_true", help="--english: list the lines named wrong")
    args = ap.parse_args()
    if args.english:
        english(args.english, args.en_data, args.confusion, args.misses)
        return
    sets = {
        "cn_fraud_texts": (args.data / "cn_fraud_texts" / "dev.csv", read_cn, CN_KINDS),
        "teleantifraud_dialogues": (
            args.data / "teleantifraud_dialogues" / "dev.jsonl",
            read_dialogues,
            DIALOGUE_KINDS,
        ),
    }
    for name, (path, read, kinds) in sets.items():
        if not path.exists():
            print(f"{name}: {path} is absent, skipped")
            continue
        chosen = [(k, t) for h, k, t in read(args.data) if args.half in ("all", h)]
        start = time.perf_counter()
        named = [categorise(t).category.value for _, t in chosen]
        rate = len(chosen) / max(time.perf_counter() - start, 1e-9)
        rows = [(k, c) for (k, _), c in zip(chosen, named, strict=True)]
        f = figures(rows, kinds)
        print(f"\n{name}, half {args.half}: {f['fraud']} fraud texts, {f['normal']} normal; "
              f"{rate:,.0f} texts/s on one core")  # fmt: skip
        print(f"  fraud named as a fraud kind      {f['named fraud']:.4f}")
        print(f"  fraud named a legitimate service {f['named legit service']:.4f}")
        print(f"  fraud kind named right           {f['kind right']:.4f}")
        print(f"  normal named as fraud            {f['normal named fraud']:.4f}")
        print("  kind                                  n   as fraud  kind right")
        for k, (n, fr, ok) in f["per kind"].items():  # type: ignore[attr-defined]
            print(f"  {k:<34} {n:>5}   {fr:.4f}    {ok:.4f}")
        if args.confusion:
            c = Counter(rows)
            cats = sorted({cat for _, cat in rows})
            print("  " + " ".join(f"{x[:10]:>10}" for x in ["kind"] + cats))
            for k in sorted({k for k, _ in rows}):
                print("  " + f"{k[:10]:>10} " + " ".join(f"{c[(k, x)]:>10}" for x in cats))


if __name__ == "__main__":
    main()
