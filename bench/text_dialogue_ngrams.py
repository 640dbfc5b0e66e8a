"""N-gram ranges of ``joint``'s whole-text blocks on the dialogues, on held-out splits.

    nice -n 10 python bench/text_dialogue_ngrams.py --stage explore
    nice -n 10 python bench/text_dialogue_ngrams.py --stage confirm --variants base c15
    nice -n 10 python bench/text_dialogue_ngrams.py --cost c15

Variants (each a full ``joint`` model: its own features, ``_pick_c``, final SVM and logistic
regression, fitted by ``TextClassifier.fit`` itself; only ``WordCharFeatures.make_blocks``'
first two blocks differ, the opening's two are today's):

- ``base``: today's ``joint`` (characters 1-4 in 2**21 columns, words 1-2 in 2**20);
- ``w13``: words 1-3 in 2**21 columns;
- ``c15``: characters 1-5 in 2**22 columns;
- ``w13c15``: both.

One more bit where the longer n-grams add hashed terms: over the 7,979 dialogues there are
964,049 distinct character 1-4-grams (an n-gram shares its column with another with chance
0.37 in 2**21) and 1,861,761 1-5-grams (0.59 in 2**21, 0.36 in 2**22); 167,171 word 1-2-grams
(0.15 in 2**20) and 580,788 1-3-grams (0.42 in 2**20, 0.24 in 2**21).

Splits as ``bench/text_holdout.py`` (its loader, texts and labels as the CLI reads them):
held = rows with CRC32((salt + id).encode()) % 5 == 0, train = the rest; macro-F1 over the
nine labels. The rule, fixed before any figure (docs/screening.md, "Ninth round"):
exploration on s25a-s25d, a candidate gains >= +0.003 on average over ``base`` and beats it
on >= 3 of 4; the best candidate is confirmed on s25e-s25h with a mean gain >= +0.002 and
better on >= 3 of 4. Each (salt, variant) result is appended to ``--log`` as a JSON line
and reused on a rerun, so a stopped run resumes where it stopped.

``--cost V`` fits ``base`` and ``V`` on ``bench/text.py``'s 80 % split (as
``bench/text_joint_cost.py``) and classifies 20,000 dialogues in batches of 1,000 with each,
alternating twice: texts a wall-clock second and a CPU-second.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
import text_holdout  # noqa: E402
from callwarden.screening.textmodel import (  # noqa: E402
    TextClassifier,
    WordCharFeatures,
    word_tokens,
)
from callwarden.screening.vectorize import _MIX, _MULT, HashedCharTfidf, WordTfidf  # noqa: E402

# variant: (character max n, its bits, word max n, its bits) of the whole-text blocks
VARIANTS = {
    "base": (4, 21, 2, 20),
    "w13": (4, 21, 3, 21),
    "c15": (5, 22, 2, 20),
    "w13c15": (5, 22, 3, 21),
}
EXPLORE = [f"s25{c}" for c in "abcd"]
CONFIRM = [f"s25{c}" for c in "efgh"]
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


@dataclass
class WordTfidf3(WordTfidf):
    """``WordTfidf`` with word trigrams as well: a trigram's hash mixes its first bigram's
    (unmasked) hash with the third word's, as a bigram mixes its two words'. Words and
    bigrams hash exactly as in ``WordTfidf``."""

    def _pairs(self, texts: Any) -> tuple[np.ndarray, np.ndarray]:
        toks = [self.tokenize(t) for t in texts]
        n_tok = np.array(list(map(len, toks)), dtype=np.int64)
        words = [w for t in toks for w in t]
        if not words:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        codes = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
        wlen = np.array(list(map(len, words)), dtype=np.int64)
        starts = np.r_[0, np.cumsum(wlen)[:-1]]
        pos_from_end = np.repeat(starts + wlen, wlen) - np.arange(len(codes)) - 1
        powers = np.ones(max(1, int(wlen.max())), dtype=np.uint64)
        for k in range(1, len(powers)):
            powers[k : k + 1] = powers[k - 1 : k] * _MULT
        terms = (codes.astype(np.uint64) + np.uint64(1)) * powers[pos_from_end]
        h = np.add.reduceat(terms, starts)
        h = ((h ^ (h >> np.uint64(29))) * _MIX) & _M64
        doc = np.repeat(np.arange(len(texts)), n_tok)
        mask = np.uint64((1 << self.bits) - 1)
        shift = np.uint64(64 - self.bits)
        rows, cols = [doc], [(h >> shift) & mask]
        if len(words) > 1:
            same = doc[1:] == doc[:-1]
            hb = (h[:-1] * _MULT) ^ h[1:]
            hb = ((hb ^ (hb >> np.uint64(31))) * _MIX) & _M64
            rows.append(doc[:-1][same])
            cols.append((hb[same] >> shift) & mask)
            if self.max_n >= 3 and len(words) > 2:
                same3 = doc[2:] == doc[:-2]
                ht = (hb[:-1] * _MULT) ^ h[2:]
                ht = ((ht ^ (ht >> np.uint64(31))) * _MIX) & _M64
                rows.append(doc[:-2][same3])
                cols.append((ht[same3] >> shift) & mask)
        return np.concatenate(rows), np.concatenate(cols).astype(np.int64)


@dataclass
class NgramFeatures(WordCharFeatures):
    """``WordCharFeatures`` with the whole-text blocks' ranges and bits as given."""

    char_n: int = 4
    char_bits: int = 21
    word_n: int = 2
    word_bits: int = 20

    def make_blocks(self) -> list[Any]:  # type: ignore[override]
        words = WordTfidf3 if self.word_n >= 3 else WordTfidf
        return [
            HashedCharTfidf(max_n=self.char_n, bits=self.char_bits),
            words(word_tokens, max_n=self.word_n, bits=self.word_bits),
            *WordCharFeatures.make_blocks()[2:],
        ]


@dataclass
class NgramClassifier(TextClassifier):
    """``TextClassifier`` whose ``wordchar`` features are a variant's."""

    variant: str = "base"

    def _features(self) -> Any:
        cn, cb, wn, wb = VARIANTS[self.variant]
        return NgramFeatures(char_n=cn, char_bits=cb, word_n=wn, word_bits=wb)


def model(variant: str) -> TextClassifier:
    # base is the shipped class itself, so its figures are today's joint's
    return (
        TextClassifier(kind="joint")
        if variant == "base"
        else NgramClassifier(kind="joint", variant=variant)
    )


def check_features() -> None:
    """``base``'s blocks through ``NgramFeatures`` are today's, and ``WordTfidf3`` with
    ``max_n`` 2 hashes as ``WordTfidf`` does (cheap, on 300 dialogues)."""
    texts = text_holdout.load("dialogues")[0][:300]
    a = WordCharFeatures().fit_transform(texts)
    b = NgramFeatures().fit_transform(texts)
    assert (a != b).nnz == 0, "NgramFeatures() differs from WordCharFeatures()"
    a = WordTfidf(word_tokens, max_n=2).fit_transform(texts)
    b = WordTfidf3(word_tokens, max_n=2).fit_transform(texts)
    assert (a != b).nnz == 0, "WordTfidf3(max_n=2) differs from WordTfidf"


def run_splits(args: argparse.Namespace) -> None:
    texts, y, keys, excluded = text_holdout.load("dialogues")
    x = np.asarray(texts, dtype=object)
    log = Path(args.log)
    done: dict[tuple[str, str], dict[str, Any]] = {}
    if log.is_file():
        for line in log.read_text().splitlines():
            r = json.loads(line)
            done[(r["salt"], r["variant"])] = r
    salts = args.salts or (EXPLORE if args.stage == "explore" else CONFIRM)
    variants = args.variants or list(VARIANTS)
    print(f"dialogues: {len(y)} rows; stage {args.stage}; salts {salts}; variants {variants}")
    print(f"{'salt':<6} {'variant':<8} {'held':>5} {'C':>7} {'macro-F1':>8} {'vs base':>8} "
          f"{'wall s':>7} {'load':>5}  UTC", flush=True)  # fmt: skip
    for salt in salts:
        held = text_holdout.held_mask(keys, salt)
        for v in variants:
            r = done.get((salt, v))
            if r is None:
                t0 = time.time()
                m = model(v).fit(list(x[~held]), y[~held])
                f1 = text_holdout.macro(y[held], m.predict(list(x[held])), excluded)
                r = {"salt": salt, "variant": v, "held": int(held.sum()), "c": m.c_,
                     "f1": f1, "wall_s": round(time.time() - t0, 1),
                     "load": round(os.getloadavg()[0], 2),
                     "utc": time.strftime("%H:%M:%S", time.gmtime())}  # fmt: skip
                with log.open("a") as fh:
                    fh.write(json.dumps(r) + "\n")
                done[(salt, v)] = r
            b = done.get((salt, "base"))
            gain = f"{r['f1'] - b['f1']:>+8.4f}" if b else f"{'':>8}"
            print(f"{salt:<6} {v:<8} {r['held']:>5} {r['c']:>7g} {r['f1']:>8.4f} {gain} "
                  f"{r['wall_s']:>7.0f} {r['load']:>5.2f}  {r['utc']}", flush=True)  # fmt: skip
    summarise(done, salts, variants, args.stage)


def summarise(
    done: dict[tuple[str, str], dict[str, Any]],
    salts: list[str],
    variants: list[str],
    stage: str,
    need: float | None = None,
) -> None:
    """Judge the variants on ``salts``: mean gain over ``base`` >= ``need`` (default the stage's,
    +0.003 to explore and +0.002 to confirm) and better on >= 3 of 4."""
    if need is None:
        need = 0.003 if stage == "explore" else 0.002
    min_wins = 3
    best, best_mean = None, -1.0
    for v in variants:
        if v == "base" or not all((s, v) in done and (s, "base") in done for s in salts):
            continue
        gains = [done[(s, v)]["f1"] - done[(s, "base")]["f1"] for s in salts]
        mean, wins = float(np.mean(gains)), sum(g > 0 for g in gains)
        f1 = float(np.mean([done[(s, v)]["f1"] for s in salts]))
        ok = mean >= need and wins >= min_wins and len(salts) == 4
        print(f"{v}: mean {f1:.4f}, gain {mean:+.4f}, better on {wins} of {len(salts)}: "
              f"{'PASS' if ok else 'no'} (>= {need:+.3f} and >= {min_wins} of 4)")  # fmt: skip
        if ok and mean > best_mean:
            best, best_mean = v, mean
    if all((s, "base") in done for s in salts):
        print(f"base: mean {np.mean([done[(s, 'base')]['f1'] for s in salts]):.4f}")
    if stage == "explore":
        print(f"candidate for the confirmation: {best or 'none'}")
    else:
        print(f"confirmed: {best or 'none'}")


def cost_split() -> tuple[list[Any], list[Any], list[Any]]:
    """``bench/text.py``'s 80 % training split of the dialogues and its 20 % test texts."""
    from sklearn.model_selection import train_test_split

    import text as bench_text

    data = Path(__file__).resolve().parents[2] / "shared" / "data"
    texts, labels, _ = bench_text.load(data, "teleantifraud_dialogues")
    xtr, xte, ytr, _ = train_test_split(
        texts, labels, test_size=0.2, random_state=1, stratify=labels
    )
    return xtr, xte, ytr


def time_models(models: dict[str, Any], xte: list[Any], n: int = 20_000) -> None:
    """Classify ``n`` dialogues (the test texts repeated) in batches of 1,000 with each fitted
    model, alternating twice; prints texts a wall-clock second and a CPU-second."""
    pool = (xte * (n // len(xte) + 1))[:n]
    print(f"{n:,} dialogues in batches of 1,000")
    for rnd in range(2):
        for v, m in models.items():
            t0, c0 = time.perf_counter(), time.process_time()
            for i in range(0, n, 1000):
                m.predict_with_score(pool[i : i + 1000])
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            print(f"round {rnd} {v}: {n / wall:,.0f} texts/s wall, {n / cpu:,.0f} per CPU-s "
                  f"(load {os.getloadavg()[0]:.2f}, {time.strftime('%H:%M:%S', time.gmtime())} "
                  "UTC)", flush=True)  # fmt: skip


def cost(variant: str) -> None:
    xtr, xte, ytr = cost_split()
    models = {}
    for v in ("base", variant):
        t0 = time.perf_counter()
        models[v] = model(v).fit(xtr, ytr)
        print(f"fit {v} {time.perf_counter() - t0:.0f} s", flush=True)
    time_models(models, xte)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stage", choices=("explore", "confirm"), default="explore")
    ap.add_argument("--salts", nargs="+", help="default: the stage's four")
    ap.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), help="default: all")
    ap.add_argument("--log", default="/tmp/h163/results.jsonl", help="results, one JSON a line")
    ap.add_argument("--cost", choices=sorted(set(VARIANTS) - {"base"}), help="throughput")
    args = ap.parse_args()
    if not text_holdout.DATA["dialogues"][0].is_file():
        sys.exit("skipped: no teleantifraud_dialogues under ../shared/data")
    if args.cost:
        cost(args.cost)
        return
    check_features()
    run_splits(args)


if __name__ == "__main__":
    main()
