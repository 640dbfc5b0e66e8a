"""Transcripts of a sample of answered calls: turns with speaker, text and timestamps.

Scripts (``data/scripts.yaml``) are per category with slots filled once per campaign, so one
campaign keeps one script with small variations. A bot keeps to its script when the callee
barges in or asks "今天是几号?" (its next line starts when its own line ends); a human stops,
answers (the real local date) and goes on. Callees of unwanted calls refuse or hang up.
This loop runs per sampled call (a few thousand), never per CDR.
"""

from __future__ import annotations

import datetime as dt
import random
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pyarrow as pa
import yaml

from callwarden.cdr.schema import LABELS
from callwarden.sim.calls import CallBatch, Leg, Population
from callwarden.sim.world import SimContext

CHARS_PER_S = {"bot": 4.6, "human": 4.0}
FILLERS = ("嗯，", "那个，", "就是，", "呃，")
MAX_TURNS = 40
SKIP = {Population.BRIDGE}


@lru_cache(maxsize=1)
def load_scripts() -> dict[str, Any]:
    text = resources.files("callwarden.sim").joinpath("data/scripts.yaml").read_text("utf-8")
    return yaml.safe_load(text)  # type: ignore[no-any-return]


def _script_key(
    pop: int, bot: bool, personal: bool, caller_cat: str, callee_cat: str, leg: int
) -> str | None:
    if personal:
        return "personal"
    p = Population(pop)
    if p in SKIP or (p == Population.AXB and leg != Leg.CUSTOMER):
        return None
    if p == Population.SUBSCRIBER:
        return "personal" if caller_cat == "personal" and callee_cat == "personal" else None
    if p == Population.BANK:
        return "bank_bot" if bot else "bank"
    if p == Population.AXB:
        return caller_cat if caller_cat in ("food_delivery", "ride_hailing") else None
    if p in (Population.COURIER, Population.CLINIC, Population.SCHOOL, Population.SALES):
        return caller_cat if caller_cat in load_scripts()["caller"] else None
    return caller_cat if caller_cat in load_scripts()["caller"] else None


def sample_transcripts(
    ctx: SimContext,
    calls: CallBatch,
    call_ids: pa.Array,
    numbers: pa.Array,
    k: int,
    row_category: np.ndarray,
    categories: list[str],
) -> list[dict[str, Any]]:
    """About ``k`` transcripts, stratified by population (share ∝ sqrt of its answered calls).

    ``call_ids`` are the run's call ids in call order, ``numbers`` the E.164 string of every
    number-table row; reading these instead of the finished tables lets this run beside them."""
    if k <= 0:
        return []
    rng = ctx.rng(30, 0)
    # roamers' calls get none: the other populations' samples stay as they were without them
    answered = np.flatnonzero((calls.duration > 0) & (calls.population != Population.ROAMER))
    pops = calls.population[answered]
    present = np.unique(pops)
    weights = np.sqrt(np.array([(pops == p).sum() for p in present], dtype=np.float64))
    chosen: list[np.ndarray] = []
    for p, w in zip(present, weights, strict=True):
        pool = answered[pops == p]
        quota = min(len(pool), max(5, int(round(k * w / weights.sum() * 1.6))))
        chosen.append(rng.choice(pool, size=quota, replace=False))
    idx = np.sort(np.concatenate(chosen))
    cat = np.array(categories + [""], dtype=object)
    caller_cat = cat[row_category[calls.caller[idx]]]
    callee_cat = cat[row_category[calls.callee[idx]]]
    ids = call_ids.take(pa.array(idx)).to_pylist()
    callers = numbers.take(pa.array(calls.caller[idx])).to_pylist()
    callees = numbers.take(pa.array(calls.callee[idx])).to_pylist()
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    camp_ids = [c.campaign_id for c in ctx.campaigns]
    scripts = load_scripts()
    slot_cache: dict[int, dict[str, str]] = {}
    py = random.Random(int(rng.integers(2**62)))  # scalar draws: Python's generator is faster
    out: list[tuple[int, dict[str, Any]]] = []
    for j in rng.permutation(len(idx)).tolist():  # random order, so the cut at k is unbiased
        i = int(idx[j])
        if len(out) >= k:
            break
        key = _script_key(
            int(calls.population[i]),
            bool(calls.bot[i]),
            bool(calls.personal[i]),
            str(caller_cat[j]),
            str(callee_cat[j]),
            int(calls.leg[i]),
        )
        if key is None:
            continue
        camp = int(calls.campaign[i])
        slot_key = camp if camp >= 0 else 10_000 + int(calls.caller[i]) % 997
        if slot_key not in slot_cache:  # one campaign (or caller) keeps its company, product...
            srng = random.Random(ctx.seed * 1_000_003 + slot_key)
            slot_cache[slot_key] = {
                name: srng.choice(vals) for name, vals in scripts["slots"].items()
            }
        slots = dict(slot_cache[slot_key])
        start = epoch + dt.timedelta(microseconds=int(calls.t_us[i]))
        local = start + dt.timedelta(hours=ctx.scenario.utc_offset_hours)
        slots.update(month=str(local.month), day=str(local.day))
        bot = bool(calls.bot[i]) and not bool(calls.personal[i])
        unwanted = int(calls.label[i]) != 0 and not bool(calls.personal[i])
        turns = _dialogue(py, scripts, key, slots, bot, unwanted, float(calls.duration[i]))
        row = {
            "call_id": ids[j],
            "caller": callers[j],
            "callee": callees[j],
            "start_time": start.isoformat().replace("+00:00", "Z"),
            "label": LABELS[int(calls.label[i])],
            "category": str(caller_cat[j]) if not calls.personal[i] else "personal",
            "campaign": camp_ids[camp] if camp >= 0 else None,
            "caller_kind": "bot" if bot else "human",
            "turns": turns,
        }
        out.append((i, row))
    return [row for _, row in sorted(out, key=lambda x: x[0])]


def _variant(rng: random.Random, line: str, slots: dict[str, str]) -> str:
    text = rng.choice(line.split("|"))
    if rng.random() < 0.25:  # small variations: a filler word
        text = rng.choice(FILLERS) + text
    return text.format(**slots)


def _dialogue(
    rng: random.Random,
    scripts: dict[str, Any],
    key: str,
    slots: dict[str, str],
    bot: bool,
    unwanted: bool,
    duration: float,
) -> list[dict[str, Any]]:
    lines: list[str] = scripts["caller"][key]
    callee = scripts["callee"]
    answers = scripts["human_answers"]
    rate = CHARS_PER_S["bot" if bot else "human"]
    turns: list[dict[str, Any]] = []

    def say(speaker: str, text: str, start: float) -> float:
        end = start + max(0.6, len(text) / rate * rng.uniform(0.9, 1.15))
        turns.append(
            {"speaker": speaker, "text": text, "start_s": round(start, 2), "end_s": round(end, 2)}
        )
        return end

    t = say("callee", rng.choice(callee["open"]), rng.uniform(0.2, 0.8)) + rng.uniform(0.2, 0.6)
    challenge_p = 0.35 if unwanted else 0.05
    i = 0
    while t < duration and len(turns) < MAX_TURNS:
        line = lines[i % len(lines)] if i < len(lines) else lines[1 + (i % max(1, len(lines) - 1))]
        end = say("caller", _variant(rng, line, slots), t)
        if rng.random() < challenge_p and end - t > 1.5:  # barge-in during the caller's line
            cut = t + (end - t) * rng.uniform(0.3, 0.7)
            q = rng.choice(callee["challenge"])
            q_end = say("callee", q, cut)
            if bot:
                t = end + rng.uniform(0.2, 0.5)  # the recording plays on
            else:
                turns[-2]["end_s"] = round(cut + 0.3, 2)  # a person stops and answers
                kind = "date" if "几号" in q else ("robot" if "机器人" in q else "echo")
                t = say(
                    "caller",
                    str(rng.choice(answers[kind])).format(**slots),
                    q_end + rng.uniform(0.2, 0.6),
                )
                t += rng.uniform(0.2, 0.5)
        else:
            if key == "personal":
                pool = "personal"
            elif not unwanted and i >= len(lines) - 1:
                pool = "agree"
            elif unwanted and rng.random() < 0.4:
                pool = "refuse"
            else:
                pool = "neutral"
            t = say("callee", rng.choice(callee[pool]), end + rng.uniform(0.3, 0.9)) + rng.uniform(
                0.2, 0.6
            )
        i += 1
    kept = [x for x in turns if x["start_s"] < duration]
    for x in kept:
        x["end_s"] = min(x["end_s"], round(duration, 2))
    return kept
