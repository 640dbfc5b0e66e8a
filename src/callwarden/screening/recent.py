"""Recent screenings as batch evidence, with each call's features kept (session 28).

:func:`callwarden.screening.outcome.screen_with_recent` judges a call in one batch with the
calls screened before it; done plainly it redoes every recent call's per-text work (MinHash
signatures of the caller's words and opening, normalised texts, replies to challenges and
their template keys) and the whole window's LSH buckets on every call. Those are pure
functions of one call, so :func:`call_features` computes them once and
:class:`RecentScreenings` keeps them, with the LSH buckets of the kept signatures kept up to
date as calls come and go. Judging a new call then computes its own features and reads only
the buckets it falls in: the calls of its script's buckets (``near_duplicate_counts``'
count) and the opening clusters reached from it (``cluster_scripts``' links, followed from
the new call only). The outcome is ``screen_with_recent(new, window)``'s, verdict, score and
reasons alike (tests/screening/test_recent.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from callwarden.screening.agentcues import (
    NO_CAMPAIGN,
    CampaignEvidence,
    KeyedReplies,
    campaign_of,
    long_replies,
    opening,
    reply_sample,
)
from callwarden.screening.categories import categorise
from callwarden.screening.judge import judge
from callwarden.screening.normalise import simplified_transcript
from callwarden.screening.outcome import ScreenOutcome
from callwarden.screening.scripts import (
    ScriptLibrary,
    _bands,
    normalise,
    script_signatures,
)
from callwarden.screening.transcript import Speaker, Transcript

# What judge.batch_evidence asks of the calls (near_duplicate_counts and campaign_evidence
# at their defaults): the same numbers, or the verdicts would differ from the batch's.
_SCRIPT_THRESHOLD = 0.6
_SCRIPT_MIN_CHARS = 30
_OPENING_THRESHOLD = 0.6
_OPENING_MIN_CHARS = 20
_MIN_CALLS = 3


@dataclass(frozen=True, slots=True, eq=False)
class CallFeatures:
    """What the batch evidence reads of one call (given as judged, in Simplified text)."""

    call_id: str
    #: MinHash of the caller's words; None when too short to count as a script.
    script_sig: np.ndarray | None
    #: MinHash of the opening turn; None when too short to join a campaign.
    opening_sig: np.ndarray | None
    replies: KeyedReplies


def call_features(tr: Transcript) -> CallFeatures:
    """The per-call work of ``judge.batch_evidence`` for ``tr``."""
    tr = simplified_transcript(tr)
    caller = tr.text_of(Speaker.CALLER)
    first = opening(tr)
    first_norm = normalise(first)
    long_script = len(normalise(caller)) >= _SCRIPT_MIN_CHARS
    long_opening = len(first_norm) >= _OPENING_MIN_CHARS
    todo = [t for t, ok in ((caller, long_script), (first, long_opening)) if ok]
    rows = iter(script_signatures(todo)) if todo else iter(())
    return CallFeatures(
        call_id=tr.call_id,
        script_sig=next(rows) if long_script else None,
        opening_sig=next(rows) if long_opening else None,
        replies=long_replies(tr),
    )


class _Buckets:
    """The LSH buckets of signatures (``scripts.similar_pairs``' banding), kept as calls are
    added and dropped: band -> band key -> the calls (sequence numbers) that hold it."""

    def __init__(self, threshold: float, num_perm: int = 128) -> None:
        self.b, self.r = _bands(num_perm, threshold)
        self.by_band: list[dict[bytes, set[int]]] = [{} for _ in range(self.b)]

    def keys(self, sig: np.ndarray) -> list[bytes]:
        r = self.r
        return [sig[i * r : (i + 1) * r].tobytes() for i in range(self.b)]

    def add(self, seq: int, sig: np.ndarray) -> None:
        for band, key in zip(self.by_band, self.keys(sig), strict=True):
            band.setdefault(key, set()).add(seq)

    def drop(self, seq: int, sig: np.ndarray) -> None:
        for band, key in zip(self.by_band, self.keys(sig), strict=True):
            held = band[key]
            held.discard(seq)
            if not held:
                del band[key]


def _in_order(seqs: Iterable[int], sig: Callable[[int], np.ndarray]) -> list[int]:
    """A bucket's calls in ``scripts._band_orders``' order: by whole signature (compared as
    bytes, the order ``np.unique`` gives the rows' void keys), ties in window order."""
    return sorted(seqs, key=lambda q: (sig(q).tobytes(), q))


def _same(rows: np.ndarray, rep: np.ndarray, threshold: float) -> np.ndarray:
    """The signatures' estimated Jaccard against ``rep`` reaches ``threshold`` (as the
    scripts module computes it: the share of equal hash values)."""
    return (rows == rep).mean(axis=1) >= threshold


#: The room between two kept calls' sequence numbers, for calls placed between them later
#: (``follow``: a call stored after a later one, the window ordered by the calls' times).
_GAP = 1 << 32


class RecentScreenings:
    """The last ``k`` screened calls' features, oldest first: ``judge(new)`` is
    ``screen_with_recent(new, the last k calls added)``."""

    def __init__(self, k: int) -> None:
        self.k = k
        #: (sequence number, features), in window order: the numbers grow along it (only
        #: their order is read: the batch's order, ties between equal signatures)
        self.calls_: list[tuple[int, CallFeatures]] = []
        self._by_seq: dict[int, CallFeatures] = {}
        self._next = 0  # (past every kept call's: the number a judged call takes)
        self._scripts = _Buckets(_SCRIPT_THRESHOLD)
        self._openings = _Buckets(_OPENING_THRESHOLD)

    def __len__(self) -> int:
        return len(self.calls_)

    def add(self, tr: Transcript) -> CallFeatures:
        """Keep ``tr`` (as stored: a screening row's kept turns) as the newest recent call."""
        f = call_features(tr)
        self.add_features(f)
        return f

    def extend(self, trs: Iterable[Transcript]) -> None:
        for tr in trs:
            self.add(tr)

    def add_features(self, f: CallFeatures) -> None:
        if self.k <= 0:
            return
        seq, self._next = self._next, self._next + _GAP
        self.calls_.append((seq, f))
        self._keep(seq, f)
        while len(self.calls_) > self.k:
            self._unkeep(*self.calls_.pop(0))

    def _keep(self, seq: int, f: CallFeatures) -> None:
        self._by_seq[seq] = f
        if f.script_sig is not None:
            self._scripts.add(seq, f.script_sig)
        if f.opening_sig is not None:
            self._openings.add(seq, f.opening_sig)

    def _unkeep(self, seq: int, f: CallFeatures) -> None:
        del self._by_seq[seq]
        if f.script_sig is not None:
            self._scripts.drop(seq, f.script_sig)
        if f.opening_sig is not None:
            self._openings.drop(seq, f.opening_sig)

    def call_ids(self) -> list[str]:
        """The kept calls' call_ids, oldest first."""
        return [f.call_id for _, f in self.calls_]

    def follow(self, ids: Sequence[str], features: Callable[[str], CallFeatures]) -> None:
        """Keep the calls ``ids`` (the last ``k`` of them), in that order: a kept call not
        among them is dropped, one not kept is placed where it stands (``features(call_id)``),
        the others stay as they are. The store's window moves this way as calls are stored:
        the oldest leave, and a call joins at its place, not only at the end (a call stored
        after a later one). Built again only when the kept calls stand in another order."""
        ids = list(ids[-self.k :]) if self.k > 0 else []
        want = set(ids)
        for seq, f in self.calls_:
            if f.call_id not in want:
                self._unkeep(seq, f)
        self.calls_ = [(q, f) for q, f in self.calls_ if f.call_id in want]
        held = {f.call_id for _, f in self.calls_}
        if [i for i in ids if i in held] != [f.call_id for _, f in self.calls_]:
            self._rebuild(ids, features)
            return
        placed: list[tuple[int, CallFeatures]] = []
        at = 0  # the next kept call, in self.calls_
        for i in ids:
            if i in held:
                placed.append(self.calls_[at])
                at += 1
                continue
            after = self.calls_[at][0] if at < len(self.calls_) else None
            if after is None:  # past every kept call
                seq, self._next = self._next, self._next + _GAP
            else:
                before = placed[-1][0] if placed else after - 2 * _GAP
                seq = (before + after) // 2
                if seq == before:  # (no room left between the two: number them again)
                    self.calls_ = placed + self.calls_[at:]
                    self._rebuild(ids, features)
                    return
            f = features(i)
            self._keep(seq, f)
            placed.append((seq, f))
        self.calls_ = placed

    def _rebuild(self, ids: Sequence[str], features: Callable[[str], CallFeatures]) -> None:
        kept = {f.call_id: f for _, f in self.calls_}
        for seq, f in self.calls_:
            self._unkeep(seq, f)
        self.calls_ = []
        for i in ids:
            self.add_features(kept[i] if i in kept else features(i))

    def judge(self, new: Transcript, *, library: ScriptLibrary | None = None) -> ScreenOutcome:
        """``new``'s outcome judged in one batch with the kept calls (``new`` is not kept)."""
        return self.judge_keeping(new, library=library)[0]

    def judge_keeping(
        self, new: Transcript, *, library: ScriptLibrary | None = None
    ) -> tuple[ScreenOutcome, CallFeatures]:
        """:meth:`judge`, and ``new``'s features (to keep once it is stored)."""
        tr = simplified_transcript(new)
        f = call_features(tr)
        shared, camp = self.evidence(f)
        res = judge(tr, library=library, shared_script_calls=shared, campaign=camp)
        return ScreenOutcome(res, categorise(new.text_of(Speaker.CALLER))), f

    def evidence(self, f: CallFeatures) -> tuple[int, CampaignEvidence]:
        """``judge.batch_evidence``'s answer for ``f``'s call after the kept calls: how many
        of them play its caller script, and its campaign evidence."""
        return self._shared(f), self._campaign(f)

    def _shared(self, f: CallFeatures) -> int:
        # near_duplicate_counts for the last call: in each band its bucket's calls are checked
        # against the bucket's first (smallest signature); its count is its largest bucket
        # of confirmed calls when it is confirmed itself, else 1.
        if f.script_sig is None:
            return 1
        new = self._next  # (the sequence number the call would take: last in the window)
        sig = self._sig_of(f, new, lambda g: g.script_sig)
        best = 1
        for band, key in zip(self._scripts.by_band, self._scripts.keys(f.script_sig), strict=True):
            held = band.get(key)
            if not held:
                continue
            order = _in_order([*held, new], sig)
            rows = np.vstack([sig(q) for q in order])
            good = _same(rows, rows[0], _SCRIPT_THRESHOLD)
            if good[order.index(new)]:
                best = max(best, int(good.sum()))
        return best

    def _campaign(self, f: CallFeatures) -> CampaignEvidence:
        # cluster_scripts' links (neighbours in a bucket's order whose signatures confirm),
        # followed from the new call: its connected component is its campaign.
        if f.opening_sig is None:
            return NO_CAMPAIGN  # a short opening stands alone: a group of one
        new = self._next
        sig = self._sig_of(f, new, lambda g: g.opening_sig)
        keys_new = self._openings.keys(f.opening_sig)
        linked: dict[int, set[int]] = {}
        seen: set[tuple[int, bytes]] = set()
        component, todo = {new}, [new]
        while todo:
            q = todo.pop()
            for band, key in enumerate(self._openings.keys(sig(q))):
                if (band, key) in seen:
                    continue
                seen.add((band, key))
                held = set(self._openings.by_band[band].get(key, ()))
                if keys_new[band] == key:
                    held.add(new)
                if len(held) < 2:
                    continue
                order = _in_order(held, sig)
                rows = np.vstack([sig(p) for p in order])
                ok = (rows[1:] == rows[:-1]).mean(axis=1) >= _OPENING_THRESHOLD
                for a, b in zip(
                    np.flatnonzero(ok).tolist(), (np.flatnonzero(ok) + 1).tolist(), strict=True
                ):
                    linked.setdefault(order[a], set()).add(order[b])
                    linked.setdefault(order[b], set()).add(order[a])
            for p in linked.get(q, ()):
                if p not in component:
                    component.add(p)
                    todo.append(p)
        if len(component) < _MIN_CALLS:
            return NO_CAMPAIGN
        members = sorted(component)  # window order, the new call last
        feats = [f if q == new else self._by_seq[q] for q in members]
        call_ids = [g.call_id for g in feats]
        keyed = [g.replies for g in feats]
        local = list(range(len(members)))
        return campaign_of(len(members) - 1, local, reply_sample(local, call_ids, keyed), keyed)

    def _sig_of(
        self, f: CallFeatures, new: int, pick: Callable[[CallFeatures], np.ndarray | None]
    ) -> Callable[[int], np.ndarray]:
        def sig(q: int) -> np.ndarray:
            row = pick(f if q == new else self._by_seq[q])
            assert row is not None  # (only calls in the buckets are asked)
            return row

        return sig
