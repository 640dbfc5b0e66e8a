"""The streaming decision engine: state in, verdicts refreshed, a decision per call.

Two paths share the same state and rules:

* ``decide_batch(calls)`` decides a micro-batch of call attempts (a short run of simulated
  or live time) with NumPy: every call sees the state as of the batch start, i.e. only CDRs
  written before the batch's first call; callers whose state moved since their verdict are
  rescored first, in one LightGBM call;
* ``decide(...)`` answers one call from cached verdicts (dictionary look-ups, the campaign
  gate and the policy), for the online API; ``refresh()`` rescores what moved.

Signals, strongest first: a displayed number that is not allocated (reject as spoofed, at
once), a domestic number shown on a call through an international gateway whose owner is not
roaming abroad (reject as spoofed; ``numbers.abroad``), the model's verdict, the campaign gate
(a fresh number dialling a known campaign's list through its ingress), such a call from abroad
when no roaming list says who is abroad (label), and a displayed number that differs from the
network-asserted one (label). The callee's subscriber policy (``callwarden.policy.decide``;
``policies`` maps a callee to its own, everyone else gets the default) turns the verdict into
the outcome; numbers without a verdict are allowed, and numbers cleared on appeal
(``protected``) are allowed whatever the model, the campaign gate or the allocation registry
say (shown on a call from abroad they are labelled 境外来电: ``policy.decide``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from callwarden.campaigns.index import CampaignIndex, Outcomes
from callwarden.numbers.abroad import Abroad, AbroadRule
from callwarden.policy import (
    EMPTY_REGISTRY,
    REJECT_ODDS_FACTOR,
    Action,
    Call,
    Decision,
    Reason,
    Registry,
    SubscriberPolicy,
    Thresholds,
    Verdict,
    decide,
    from_abroad,
    international_domestic,
    shown_by_someone_else,
    unallocated_caller,
)
from callwarden.stream.calls import Calls, Interner
from callwarden.stream.features import feature_matrix
from callwarden.stream.scorer import Scorer
from callwarden.stream.state import (
    ANS,
    CB,
    DAY_S,
    DCALLEE,
    SHORT,
    N,
    StateConfig,
    StreamState,
)

ACTIONS: tuple[Action, ...] = (Action.ALLOW, Action.LABEL, Action.SCREEN, Action.REJECT)
_ACTION_CODE = {a: i for i, a in enumerate(ACTIONS)}
_OUTCOME_COLS = [N, ANS, SHORT, DCALLEE, CB]  # the state's counters behind ``Outcomes``


class Source(IntEnum):
    """What drove a call's verdict (for the replay report)."""

    NONE = 0
    UNALLOCATED = 1
    MODEL = 2
    CAMPAIGN = 3
    ASSERTED_MISMATCH = 4
    ABROAD_SPOOFED = 5  # a domestic number on an international gateway, not roaming: reject
    FROM_ABROAD = 6  # the same without a roaming list: label


@dataclass(frozen=True)
class EngineConfig:
    state: StateConfig = field(default_factory=StateConfig)
    batch_s: float = 1.0  # longest simulated time a micro-batch spans (the staleness bound)
    max_batch_calls: int = 5000
    ingress_lag_s: float = 60.0  # CDRs not involving a batch's callers may wait this long
    max_verdict_age_s: float = 3600.0  # rescore a caller this old even if only its ingress moved
    mismatch_label: bool = True  # label calls whose asserted identity differs
    reject_odds_factor: float = REJECT_ODDS_FACTOR  # reject at 1/k of the flag threshold's odds
    rescore_growth: float = 1.5  # clearly benign: rescore once 7 d attempts reach 1.5x + 2
    rescore_watch_score: float = 0.01  # at or above this bad score, rescore on every change


def policy_thresholds(
    model_threshold: float, reject_odds_factor: float = REJECT_ODDS_FACTOR
) -> Thresholds:
    """Policy bands on the model's scale (:meth:`Thresholds.for_model`: the same bands
    ``callwarden serve --model`` puts in force)."""
    return Thresholds.for_model(model_threshold, reject_odds_factor)


@dataclass
class BatchDecisions:
    action: np.ndarray  # int8 index into ACTIONS
    source: np.ndarray  # int8 Source
    label: np.ndarray  # int8 verdict class code (0 benign / none)
    score: np.ndarray  # float64 the model's bad score for the caller (NaN without one)


class StreamEngine:
    """Bounded state, verdicts and decisions. Pure: values in, values out.

    ``policies``: each subscriber's own policy, keyed by the callee number as the calls
    spell it (E.164), looked up per call (a live mapping may change between calls);
    callees without one get ``policy`` if it names no subscriber, else the defaults. A
    ``policy`` that names a subscriber (``SubscriberPolicy.subscriber``) is that
    subscriber's alone, as if it were in ``policies``. ``protected``: numbers cleared on
    appeal; their model, campaign and unallocated verdicts are passed to the policy as
    protected (allow), as ``/v1/decide`` allows them: an operator accepted the owner's appeal,
    so the number is allocated and the registry is stale for it. A network that asserts
    another identity still says the caller is not the protected number's owner.
    """

    def __init__(
        self,
        scorer: Scorer | None,
        *,
        allocated: object | None = None,
        campaigns: CampaignIndex | None = None,
        campaign_ingresses: set[str] | None = None,
        config: EngineConfig | None = None,
        policy: SubscriberPolicy | None = None,
        registry: Registry = EMPTY_REGISTRY,
        policies: Mapping[str, SubscriberPolicy] | None = None,
        protected: Collection[str] | None = None,
        abroad: AbroadRule | None = None,
    ) -> None:
        self.config = config or EngineConfig()
        self.abroad = abroad  # the international-gateway rule (None: off)
        self._intl = np.zeros(1, bool)  # per ingress code, then False for code -1
        self.scorer = scorer
        self.allocated = allocated  # AllocationRegistry-like: is_unallocated(_array)
        self.campaigns = campaigns
        self.campaign_ingresses = campaign_ingresses or set()
        self.policies: Mapping[str, SubscriberPolicy] = policies if policies is not None else {}
        self.default_policy: SubscriberPolicy | None = policy
        if policy is not None and policy.subscriber:
            self.policies = {**self.policies, policy.subscriber: policy}
            self.default_policy = None
        self.protected: Collection[str] = protected if protected is not None else frozenset()
        self.registry = registry
        self.thresholds = policy_thresholds(
            scorer.threshold if scorer else 0.5, self.config.reject_odds_factor
        )
        self.classes = scorer.classes if scorer else ("benign", "harassment", "fraud")
        self.state = StreamState(self.config.state)
        self.ingresses = Interner()
        cap = 1024
        self.v_label = np.full(cap, -1, np.int8)
        self.v_score = np.zeros(cap, np.float64)  # float64: scores crowd just below 1
        self.v_time = np.full(cap, -np.inf)
        self.v_attempts = np.zeros(cap, np.float32)  # 7 d attempts when last scored
        self.v_day = np.full(cap, -1, np.int32)  # anchor day when last scored
        self._alloc_cache: dict[str, bool] = {}
        if campaigns is not None and campaigns.outcomes_of is None:
            campaigns.outcomes_of = self.outcomes_of  # the gate reads what earlier calls did

    # -- feeding ---------------------------------------------------------------------------
    def encode(self, table: object) -> Calls:
        from callwarden.stream.calls import calls_from_arrow

        calls = calls_from_arrow(table, self.ingresses)  # type: ignore[arg-type]
        self.state.set_ingress_names(self.ingresses.names)
        return calls

    def unallocated(self, numbers: np.ndarray) -> np.ndarray | None:
        """1 where a displayed number is not allocated, per element (None without a registry)."""
        if self.allocated is None:
            return None
        import pyarrow as pa
        import pyarrow.compute as pc

        # each distinct number is looked up once (Arrow's hash encoding, not a string sort)
        enc = pc.dictionary_encode(pa.array(numbers, pa.string()))
        no = self.allocated.is_unallocated_array(enc.dictionary)  # type: ignore[attr-defined]
        bad = np.r_[np.asarray(no, bool), True].astype(np.int8)  # a missing number: unallocated
        return bad[enc.indices.fill_null(len(enc.dictionary)).to_numpy(zero_copy_only=False)]

    def abroad_codes(self, calls: Calls) -> np.ndarray | None:
        """``numbers.abroad.Abroad`` code per call, None when the rule is off or no call
        entered through an international gateway: whether one did is one look-up of its
        ingress code in a mask kept beside the interner; only those calls are judged further
        (seed-2 replay: 11-17 us per 1 s batch, about 1 % of the replay)."""
        rule = self.abroad
        if rule is None:
            return None
        names = self.ingresses.names
        if len(self._intl) != len(names) + 1:  # a new ingress was interned
            intl = rule.international
            self._intl = np.fromiter((n in intl for n in [*names, ""]), bool, len(names) + 1)
            self._intl[-1] = False
        on = self._intl[calls.ingress]  # code -1 (unknown) reads the last, False
        if not on.any():
            return None
        return rule.judge(calls.caller, on, calls.start)

    def ingest(self, cdrs: Calls, unallocated: np.ndarray | None = None) -> None:
        """CDRs written since the last call, in ``end_ts`` order."""
        if unallocated is None and self.allocated is not None and len(cdrs):
            unallocated = self.unallocated(cdrs.caller)
        self.state.ingest(cdrs, unallocated)
        freed = self.state.sweep(self.state.now)
        self._grow(len(self.state.key))
        if len(freed):
            self._forget(freed)

    def _forget(self, slots: np.ndarray) -> None:
        """No verdict for freed slots: a new number taking one over must not inherit the
        evicted number's cached verdict (a new subscriber rejected as the fraudster who held
        its slot), nor its 7 d attempts and day (which gate rescoring)."""
        self.v_label[slots] = -1
        self.v_score[slots] = 0.0
        self.v_time[slots] = -np.inf
        self.v_attempts[slots] = 0.0
        self.v_day[slots] = -1

    def _grow(self, n: int) -> None:
        if n > len(self.v_label):
            for name, fill in (
                ("v_label", -1), ("v_score", 0), ("v_time", -np.inf), ("v_attempts", 0),
                ("v_day", -1),
            ):  # fmt: skip
                old = getattr(self, name)
                new = np.full(n, fill, dtype=old.dtype)
                new[: len(old)] = old
                setattr(self, name, new)

    # -- verdicts --------------------------------------------------------------------------
    def refresh(self, slots: np.ndarray | None = None, now: float | None = None) -> int:
        """Rescore callers (all tracked ones by default) whose state moved; returns rows."""
        st = self.state
        now = st.now if now is None else now
        if slots is None:
            slots = np.flatnonzero(st.key[: st.slots.size] >= 0)
        slots = np.unique(slots[slots >= 0])
        cfg = self.config
        slots = slots[st.out_day[slots] >= 0]
        watch = (self.v_label[slots] < 0) | (self.v_score[slots] >= cfg.rescore_watch_score)
        old = self.v_time[slots] < now - cfg.max_verdict_age_s
        moved = st.changed[slots]
        attempts = st.attempts_7d(slots)
        if cfg.rescore_growth > 1.0:
            # A clearly benign number is rescored when its calls grew geometrically since its
            # verdict or a new day began for it; a suspicious one whenever it moved, and
            # within the verdict age even if only its ingress moved.
            grown = attempts >= cfg.rescore_growth * self.v_attempts[slots] + 2
            new_day = st.out_day[slots] != self.v_day[slots]
            moved &= watch | grown | new_day
        due = moved | (watch & old)
        slots, attempts = slots[due], attempts[due]
        if self.scorer is None or not len(slots):
            return 0
        X = feature_matrix(st, slots, self.scorer.feature_names)
        label, score = self.scorer.score(X)
        self.v_label[slots] = label
        self.v_score[slots] = score
        self.v_time[slots] = now
        self.v_attempts[slots] = attempts
        self.v_day[slots] = st.out_day[slots]
        st.changed[slots] = False
        return len(slots)

    def verdict(
        self,
        caller: str,
        slot: int,
        src: Source,
        flag_campaign: str = "",
        protected: bool = False,
        ingress: str = "",
    ) -> Verdict:
        """The verdict behind a call's source; ``protected`` (cleared on appeal) marks every
        verdict but the asserted identity's (see the class)."""
        if src is Source.UNALLOCATED:
            return unallocated_caller(caller, protected)
        if src is Source.ABROAD_SPOOFED:
            return international_domestic(caller, ingress, protected)
        if src is Source.FROM_ABROAD:
            return from_abroad(caller, ingress, self.thresholds, protected)
        if src is Source.MODEL:
            lab = self.classes[int(self.v_label[slot])]
            score = float(self.v_score[slot])
            reasons = (Reason("model", {"score": round(score, 6)}),)
            # a flagged number takes its campaign's category, as scan gives it
            category = ""
            if self.campaigns is not None and lab != "benign":
                category = self.campaigns.category_of(self.campaigns.campaign_of(caller) or "")
            return Verdict(caller, lab, score, category, reasons, protected=protected)
        if src is Source.CAMPAIGN:
            category = (
                self.campaigns.category_of(flag_campaign) if self.campaigns is not None else ""
            )
            return Verdict(
                caller, "harassment", 1.0, category,
                (Reason("campaign_list_match", {"campaign": flag_campaign}),),
                campaign=flag_campaign, source="campaign", protected=protected,
            )  # fmt: skip
        return shown_by_someone_else(caller, self.thresholds)

    def outcomes_of(self, caller: str, t: float | None = None) -> Outcomes | None:
        """What ``caller``'s own completed calls did over the last 7 days, from the CDRs
        ingested so far (written before the call being decided rings); None for a number
        the state does not hold. For the campaign gate's release rule."""
        key = _state_key(caller)
        slot = self.state.slots.get(key) if key >= 0 else -1
        if slot < 0:
            return None
        st = self.state
        now = st.now if t is None else t
        hi = int((now + st.config.tz_hours * 3600) // DAY_S)  # the local day, as ``day_of``
        s = [0.0] * len(_OUTCOME_COLS)
        cells = st.ring.acc[slot]
        live = False
        for cell, day in enumerate(st.ring.day[slot].tolist()):  # 8 cells: a plain loop
            if hi - 6 <= day <= hi:
                live = True
                row = cells[cell].tolist()
                for k, col in enumerate(_OUTCOME_COLS):
                    s[k] += row[col]
        if not live:
            return None
        return Outcomes(
            calls=int(s[0]),
            conversations=int(s[1] - s[2]),
            callees=int(s[3]),
            called_back=int(s[4]),
        )

    # -- deciding --------------------------------------------------------------------------
    def decide_batch(
        self, calls: Calls, now: float, unallocated: np.ndarray | None = None
    ) -> BatchDecisions:
        """Decide call attempts that start at or after ``now`` from the state as of ``now``."""
        n = len(calls)
        st = self.state
        slots = st.slot_of(calls.caller_key)
        self._grow(len(st.key))
        self.refresh(slots, now)
        label = np.where(slots >= 0, self.v_label[np.maximum(slots, 0)], -1).astype(np.int8)
        source = np.zeros(n, np.int8)
        if self.config.mismatch_label:
            source[calls.mismatch == 1] = Source.ASSERTED_MISMATCH
        abroad = self.abroad_codes(calls)
        if abroad is not None:  # labelled where no stronger signal speaks
            source[abroad == Abroad.UNVERIFIED] = Source.FROM_ABROAD
        flags = self._campaign_flags(calls)
        for i, _ in flags.items():
            source[i] = Source.CAMPAIGN
        source[label > 0] = Source.MODEL
        if abroad is not None:
            source[abroad == Abroad.SPOOFED] = Source.ABROAD_SPOOFED
        if unallocated is None and self.allocated is not None:
            unallocated = self.unallocated(calls.caller)
        if unallocated is not None:
            source[unallocated == 1] = Source.UNALLOCATED
        prot = None
        if self.protected:
            member = self.protected.__contains__
            prot = np.fromiter(map(member, calls.caller.tolist()), bool, n)
            if not prot.any():
                prot = None
            elif self.config.mismatch_label:
                # a protected number's other verdicts give way to the asserted identity: the
                # caller is someone else showing the protected number
                soft = (source > Source.NONE) & (source != Source.ASSERTED_MISMATCH)
                source[prot & soft & (calls.mismatch == 1)] = Source.ASSERTED_MISMATCH
        action = self._actions(calls, slots, source, label, flags, prot)
        score = np.where(label >= 0, self.v_score[np.maximum(slots, 0)], np.nan)
        return BatchDecisions(action, source, np.maximum(label, 0), score)

    def _actions(
        self,
        calls: Calls,
        slots: np.ndarray,
        source: np.ndarray,
        label: np.ndarray,
        flags: dict[int, str],
        protected: np.ndarray | None = None,
    ) -> np.ndarray:
        """Policy action code per call.

        For callees with the default policy, when it has no personal lists and no business
        is registered, the policy's answer depends only on (source, class, which score bands
        the score reaches, protected or not): ``decide`` runs once per distinct such key, on a
        real call with that key, and the answer is spread over those calls with NumPy. Calls
        to a callee with a policy of its own (``policies``), and every call when the default
        policy has lists or businesses are registered, go through ``decide`` one by one."""
        n = len(source)
        action = np.zeros(n, np.int8)
        pol, reg = self.default_policy, self.registry
        own: list[SubscriberPolicy | None] | None = None
        mine = None
        if self.policies:  # one dict look-up per call (map() runs dict.get in C)
            own = list(map(self.policies.get, calls.callee.tolist()))
            mine = np.fromiter((p is not None for p in own), bool, n)
        # (a verdict's category, which refused categories read, is not in the batch key)
        if (pol is not None and bool(pol.allow or pol.block or pol.refused_categories)) or bool(
            reg.exact or reg.prefixes
        ):
            each, batched = np.arange(n), np.zeros(0, np.int64)
        elif mine is not None and mine.any():
            each, batched = np.flatnonzero(mine), np.flatnonzero((source != 0) & ~mine)
        else:
            each, batched = np.zeros(0, np.int64), np.flatnonzero(source)
        if len(batched):
            th = self.thresholds
            sl = slots[batched]
            sc = np.where(sl >= 0, self.v_score[np.maximum(sl, 0)], 0.0)
            band = (
                (sc >= th.label_at).astype(np.int64)
                + 2 * (sc >= th.reject_fraud_at)
                + 4 * (sc >= th.reject_harassment_at)
            )
            band = np.where(source[batched] == Source.MODEL, band, 0)
            key = (source[batched].astype(np.int64) * 16 + label[batched].clip(0)) * 8 + band
            if protected is not None:
                key = key * 2 + protected[batched]
            _, first_pos, inv = np.unique(key, return_index=True, return_inverse=True)
            first = batched[first_pos]
            codes = np.array(
                [
                    self._code(calls, i, slots, source, flags, pol, protected)
                    for i in first.tolist()
                ],
                np.int8,
            )
            action[batched] = codes[inv.reshape(-1)]
        for i in each.tolist():
            p = own[i] if own is not None and own[i] is not None else pol
            action[i] = self._code(calls, i, slots, source, flags, p, protected)
        return action

    def _code(
        self,
        calls: Calls,
        i: int,
        slots: np.ndarray,
        source: np.ndarray,
        flags: dict[int, str],
        policy: SubscriberPolicy | None,
        protected: np.ndarray | None,
    ) -> int:
        """The policy's action code for call ``i`` of a batch."""
        src = Source(int(source[i]))
        v = (
            None
            if src is Source.NONE
            else self.verdict(
                calls.caller[i], int(slots[i]), src, flags.get(i, ""),
                protected is not None and bool(protected[i]), calls.ingress_name[i] or "",
            )
        )  # fmt: skip
        call = Call(calls.caller[i], calls.callee[i], calls.ingress_name[i] or "")
        return _ACTION_CODE[decide(call, v, policy, self.registry, self.thresholds).action]

    def _campaign_flags(self, calls: Calls) -> dict[int, str]:
        """Run the campaign gate over the calls on campaign ingresses, in time order (``calls``
        encoded by this engine: their ingress codes are its own)."""
        out: dict[int, str] = {}
        if self.campaigns is None or not self.campaign_ingresses:
            return out
        code = self.ingresses.code
        wanted = [code[n] for n in self.campaign_ingresses if n in code]
        on = np.flatnonzero(np.isin(calls.ingress, wanted))  # the Python loop sees only these
        observe = self.campaigns.observe_id
        names, callers, callees, asserted = (
            calls.ingress_name,
            calls.caller,
            calls.callee,
            calls.asserted,
        )
        for i in on.tolist():
            hit = observe(callers[i], callees[i], names[i], asserted[i], float(calls.start[i]))
            if hit is not None:
                out[i] = hit[0]
        return out

    def decide(
        self,
        caller: str,
        callee: str,
        ingress: str = "",
        asserted: str | None = None,
        t: float | None = None,
    ) -> Decision:
        """One call, before it rings, from cached verdicts (the online path).

        ``t``: the set-up time (s since 1970 UTC), so the campaign gate's hits expire.
        """
        ingress = ingress.strip()  # one spelling, as the batch (calls_from_arrow) and the API
        src, slot, campaign = Source.NONE, -1, ""
        if asserted and asserted != caller and self.config.mismatch_label:
            src = Source.ASSERTED_MISMATCH
        if self.campaigns is not None and ingress in self.campaign_ingresses:
            flag = self.campaigns.observe(caller, callee, ingress, asserted, t)
            if flag is not None:
                src, campaign = Source.CAMPAIGN, flag.campaign_id
        abroad = Abroad.NONE
        if self.abroad is not None and ingress in self.abroad.international:
            abroad = self.abroad.judge_one(caller, ingress, self.state.now if t is None else t)
            if abroad is Abroad.UNVERIFIED and src is not Source.CAMPAIGN:
                src = Source.FROM_ABROAD
        known = -1
        key = _state_key(caller)
        if key >= 0:
            slot = self.state.slots.get(key)
            if slot >= 0:
                known = int(self.state.unalloc[slot])
                if self.v_label[slot] > 0:
                    src = Source.MODEL
        if abroad is Abroad.SPOOFED:
            src = Source.ABROAD_SPOOFED
        if self.allocated is not None and (
            known == 1 or (known < 0 and self._is_unallocated(caller))
        ):
            src = Source.UNALLOCATED
        prot = bool(self.protected) and caller in self.protected
        soft = src not in (Source.NONE, Source.ASSERTED_MISMATCH)
        if prot and soft and self.config.mismatch_label and asserted and asserted != caller:
            src = Source.ASSERTED_MISMATCH  # someone else shows the protected number
        policy = self.policies.get(callee) if self.policies else None
        if policy is None:
            policy = self.default_policy
        call = Call(caller, callee, ingress)
        if src is Source.NONE:
            return decide(call, None, policy, self.registry, self.thresholds)
        return decide(
            call, self.verdict(caller, slot, src, campaign, prot, ingress), policy,
            self.registry, self.thresholds,
        )  # fmt: skip

    def _is_unallocated(self, number: str) -> bool:
        hit = self._alloc_cache.get(number)
        if hit is None:
            if len(self._alloc_cache) > 1_000_000:  # bounded: forget and relearn
                self._alloc_cache.clear()
            hit = self._alloc_cache[number] = bool(self.allocated.is_unallocated(number))  # type: ignore[union-attr]
        return hit


def _state_key(number: str) -> int:
    """The state's key of a number as ``calls.number_keys`` gives it, -1 for none: '+' and
    1-15 ASCII digits ('²' is a digit to isdigit) without a leading zero; a national
    '13800138000' is not '+3800138000', nor '+0861...' '+861...'."""
    digits = number[1:]
    if (
        number[:1] == "+"
        and 0 < len(digits) <= 15
        and digits[:1] != "0"
        and digits.isascii()
        and digits.isdigit()
    ):
        return int(digits)
    return -1
