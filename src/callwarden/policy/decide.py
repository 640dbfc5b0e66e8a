"""``decide(call, verdict, policy, registry)``: the per-call decision, pure and cheap.

Order of precedence, most specific first, and the benefit of the doubt to the caller:

1. the subscriber's own lists (the longest matching pattern wins; a tie goes to *allow*);
2. protection ``off``: nothing more is done;
3. a domestic number shown on a call from abroad whose owner the roaming list does not have
   abroad: reject (608); then a registered business number calling inside its scope, or a
   number protected by an accepted appeal: allow (a contact or a protected number shown from
   abroad is labelled 境外来电 instead);
4. the verdict: fraud and harassment by score band, the subscriber's refused categories,
   community reports (which only ever *label*, so a mass report cannot block anyone), and
   the screener's live label (labelled at standard, rejected at strict).

No I/O here: the streaming engine, the HTTP API and ``replay`` all call this same function.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from callwarden.policy.model import (
    ASSERTED_MISMATCH,
    DEFAULT_POLICY,
    FROM_ABROAD,
    INTERNATIONAL_DOMESTIC,
    SIP_DECLINE,
    SIP_GLOBAL_DECLINE,
    UNALLOCATED_REASON_CODES,
    Action,
    Call,
    Decision,
    DecisionCode,
    Protection,
    Reason,
    Registration,
    SubscriberPolicy,
    Thresholds,
    Verdict,
)

DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True, slots=True)
class Registry:
    """Registered business numbers: exact numbers and ``prefix*`` patterns."""

    exact: dict[str, Registration] = field(default_factory=dict)
    prefixes: dict[str, Registration] = field(default_factory=dict)
    prefix_lengths: tuple[int, ...] = ()

    @classmethod
    def of(cls, registrations: list[Registration] | tuple[Registration, ...]) -> Registry:
        exact = {r.pattern: r for r in registrations if not r.pattern.endswith("*")}
        prefixes = {r.pattern[:-1]: r for r in registrations if r.pattern.endswith("*")}
        lengths = tuple(sorted({len(p) for p in prefixes}, reverse=True))
        return cls(exact, prefixes, lengths)

    def matches(self, number: str) -> Iterator[Registration]:
        """The registrations that match ``number``, the most specific first (the exact
        number, then ever shorter prefixes)."""
        reg = self.exact.get(number)
        if reg is not None:
            yield reg
        for n in self.prefix_lengths:
            reg = self.prefixes.get(number[:n])
            if reg is not None:
                yield reg

    def lookup(self, number: str) -> Registration | None:
        """The most specific registration of ``number``."""
        return next(self.matches(number), None)

    def covering(self, number: str, callee: str) -> Registration | None:
        """The most specific registration of ``number`` whose scope covers ``callee``: a
        narrow-scope registration (a branch's numbers) must not hide a nationwide one."""
        return next((r for r in self.matches(number) if r.covers(callee)), None)


EMPTY_REGISTRY = Registry()

_ALLOW_NO_VERDICT = Decision(Action.ALLOW, reasons=(Reason(DecisionCode.NO_VERDICT.value),))
_ALLOW_OFF = Decision(Action.ALLOW, reasons=(Reason(DecisionCode.PROTECTION_OFF.value),))


def _shown(score: float) -> float:
    """A score as the reasons show it: 6 decimals (at 4, 0.89996 read 0.9 beside a decision
    that it is below the 0.9 threshold)."""
    return round(score, 6)


def _reject(verdict: Verdict, code: DecisionCode, redress_uri: str, **evidence: object) -> Decision:
    return Decision(
        Action.REJECT,
        sip_code=SIP_GLOBAL_DECLINE,
        category=verdict.category,
        reasons=(Reason(code.value, {"score": _shown(verdict.score), **evidence}),)
        + verdict.reasons,
        redress_uri=redress_uri,
        logged=True,
    )


def _soft(action: Action, verdict: Verdict, code: DecisionCode) -> Decision:
    return Decision(
        action,
        category=verdict.category,
        reasons=(Reason(code.value, {"score": _shown(verdict.score)}),) + verdict.reasons,
        logged=action is Action.SCREEN,
    )


def _abroad_reasons(verdict: Verdict) -> tuple[Reason, ...]:
    """The international-gateway rule's reasons of a verdict (a call from abroad showing a
    domestic number), empty for any other verdict."""
    return tuple(r for r in verdict.reasons if r.code in (INTERNATIONAL_DOMESTIC, FROM_ABROAD))


def _known_from_abroad(verdict: Verdict, code: DecisionCode) -> Decision:
    """A number the callee knows (a contact, or one cleared on appeal) shown on a call from
    abroad: labelled 境外来电, neither allowed unmarked (the acquaintance scam) nor rejected (the
    roaming list is a snapshot that may lag a trip: a family call from abroad must ring)."""
    return Decision(
        Action.LABEL, category="from_abroad",
        reasons=(Reason(code.value),) + _abroad_reasons(verdict),
    )  # fmt: skip


def _community_label(verdict: Verdict) -> Decision:
    """The label of a community verdict: one ``community_reports`` reason with the score and
    the reports' counts (the verdict's own reason of that code merged in, not repeated)."""
    reasons = _merged_first(
        verdict, DecisionCode.COMMUNITY_REPORTS.value, {"score": _shown(verdict.score)}
    )
    return Decision(Action.LABEL, category=verdict.category, reasons=reasons)


def _merged_first(verdict: Verdict, code: str, evidence: dict[str, object]) -> tuple[Reason, ...]:
    """The verdict's reasons with one ``code`` reason first: ``evidence`` and the evidence of
    the verdict's own reasons of that code merged into it (not repeated)."""
    merged = dict(evidence)
    others = []
    for r in verdict.reasons:
        if r.code == code:
            merged.update(r.evidence)
        else:
            others.append(r)
    return (Reason(code, merged), *others)


def _screened_callees(verdict: Verdict, pol: SubscriberPolicy, redress_uri: str) -> Decision:
    """The decision on a screener's live label: one ``screened_bot_callees`` reason with its
    counts (the verdict's own reason merged in, as ``_community_label``); rejected (608) at
    strict protection or when the subscriber refuses its category (``refused_category``
    first), labelled otherwise."""
    reasons = _merged_first(verdict, DecisionCode.SCREENED_BOT_CALLEES.value, {})
    refused = bool(verdict.category) and verdict.category in pol.refused_categories
    if refused:
        reasons = (Reason(DecisionCode.REFUSED_CATEGORY.value, {"category": verdict.category}),
                   *reasons)  # fmt: skip
    if refused or pol.protection is Protection.STRICT:
        return Decision(
            Action.REJECT,
            sip_code=SIP_GLOBAL_DECLINE,
            category=verdict.category,
            reasons=reasons,
            redress_uri=redress_uri,
            logged=True,
        )
    return Decision(Action.LABEL, category=verdict.category, reasons=reasons)


def with_asserted_identity(
    verdict: Verdict | None,
    caller: str,
    asserted: str | None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Verdict | None:
    """The verdict to decide a call by when the network asserts who places it
    (P-Asserted-Identity). Asserting another number than the displayed ``caller`` says
    someone else shows it: labelled as spoofed at the label band, where the number's own
    verdict would let the call ring (none, benign, or cleared on appeal: the appeal cleared
    the number's owner, not whoever shows it). A verdict that flags the number stands, as
    in the stream engine (docs/streaming.md)."""
    if not asserted or asserted == caller:
        return verdict
    if verdict is not None and verdict.label != "benign" and not verdict.protected:
        return verdict
    return shown_by_someone_else(caller, thresholds, asserted)


def with_allocation(verdict: Verdict | None, caller: str, allocated: bool | None) -> Verdict | None:
    """The verdict to decide a call by once the allocation registry has been asked about the
    displayed ``caller`` (``allocated``; None: no registry): ``unallocated_caller`` where the
    registry does not hold it, whatever verdict the number had, as the stream engine decides
    per call; a number cleared on appeal keeps its protection."""
    if allocated is None or allocated:
        return verdict
    return unallocated_caller(caller, protected=verdict is not None and verdict.protected)


def with_abroad(
    verdict: Verdict | None,
    caller: str,
    abroad: int,
    ingress: str,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Verdict | None:
    """The verdict to decide a call by once the international-gateway rule
    (``numbers.abroad.AbroadRule``) has judged it: ``abroad`` 2 (spoofed: a domestic number
    on an international gateway, its owner not roaming) gives ``international_domestic``
    whatever verdict the number had, as ``with_allocation`` does; 1 (no roaming list) gives
    ``from_abroad`` where the number's own verdict would let the call ring (none, or benign);
    0 leaves the verdict. A number cleared on appeal keeps its protection."""
    if abroad == 2:
        return international_domestic(
            caller, ingress, protected=verdict is not None and verdict.protected
        )
    if abroad == 1 and (verdict is None or verdict.label == "benign"):
        return from_abroad(
            caller, ingress, thresholds, protected=verdict is not None and verdict.protected
        )
    return verdict


def international_domestic(caller: str, ingress: str = "", protected: bool = False) -> Verdict:
    """The verdict of a call from abroad (an international gateway) showing a domestic
    number whose owner is not roaming then: spoofed, fraud at 1.0, reason
    ``spoof_international_domestic`` (evidence: the ingress and the number). ``decide``
    rejects it as it rejects ``unallocated_caller`` (608 ``spoofed_caller``)."""
    return Verdict(
        caller, "fraud", 1.0, "spoofed",
        (Reason(INTERNATIONAL_DOMESTIC, {"ingress": ingress, "number": caller}),),
        source="rule", protected=protected,
    )  # fmt: skip


def from_abroad(
    caller: str, ingress: str = "", thresholds: Thresholds = DEFAULT_THRESHOLDS,
    protected: bool = False,
) -> Verdict:  # fmt: skip
    """The verdict of a call from abroad showing a domestic number when no roaming list says
    whether its owner is abroad: suspected fraud at the label band (labelled 境外来电 at
    standard protection, screened at strict), reason ``from_abroad_domestic_number``."""
    return Verdict(
        caller, "fraud", thresholds.label_at, "from_abroad",
        (Reason(FROM_ABROAD, {"ingress": ingress, "number": caller}),),
        source="rule", protected=protected,
    )  # fmt: skip


def unallocated_caller(caller: str, protected: bool = False) -> Verdict:
    """The verdict of a displayed number the allocation registry does not hold (回拨验证
    fails, the number is spoofed): fraud at 1.0, category ``spoofed``, reason
    ``spoof_unallocated``. ``decide`` rejects it at every protection level but off, unless
    the number is a registered business or ``protected`` (cleared on appeal)."""
    return Verdict(
        caller, "fraud", 1.0, "spoofed", (Reason("spoof_unallocated"),), source="rule",
        protected=protected,
    )  # fmt: skip


def shown_by_someone_else(caller: str, thresholds: Thresholds, asserted: str = "") -> Verdict:
    """The verdict of a call the network asserts someone else places: a spoofed harassment
    call at the label band, reason ``spoof_asserted_mismatch`` (the asserted number as
    evidence where it is known)."""
    evidence = {"asserted": asserted} if asserted else {}
    return Verdict(
        caller, "harassment", thresholds.label_at, "spoofed",
        (Reason(ASSERTED_MISMATCH, evidence),), source="rule",
    )  # fmt: skip


def decide(
    call: Call,
    verdict: Verdict | None,
    policy: SubscriberPolicy | None = None,
    registry: Registry = EMPTY_REGISTRY,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    redress_base: str = "",
) -> Decision:
    """Decide one call before it rings from what is known now (pure; no I/O).

    ``redress_base`` is the URI prefix of the redress page (RFC 8688): the rejected caller's
    number is appended so a wrongly blocked business reaches the appeal form.
    """
    pol = policy if policy is not None else DEFAULT_POLICY
    caller = call.caller

    # 1. Personal lists. Contacts and personal blocks hold whatever the protection level.
    if pol.allow or pol.block:
        allow_len = pol.allow.match_length(caller)
        block_len = pol.block.match_length(caller)
        if block_len > allow_len:
            return Decision(
                Action.REJECT,
                sip_code=SIP_DECLINE,
                reasons=(Reason(DecisionCode.PERSONAL_BLOCK.value, {"pattern_length": block_len}),),
                logged=True,
            )
        if allow_len:
            if verdict is not None and _abroad_reasons(verdict):
                return _known_from_abroad(verdict, DecisionCode.PERSONAL_ALLOW)
            return Decision(Action.ALLOW, reasons=(Reason(DecisionCode.PERSONAL_ALLOW.value),))

    # 2. Protection off.
    if pol.protection is Protection.OFF:
        return _ALLOW_OFF

    # 3. A domestic number shown from abroad whose owner the roaming list does not have abroad
    # (国际来话改号), before the registered-business allow: the caller is by definition not the
    # business (a bank's or the police's number shown from abroad is the main pattern). One
    # cleared on appeal is labelled, not allowed: the roaming list may lag a trip, and the
    # known number must still ring, but marked. (The unallocated rule keeps its place, 4.)
    if verdict is not None and any(r.code == INTERNATIONAL_DOMESTIC for r in verdict.reasons):
        if verdict.protected:
            return _known_from_abroad(verdict, DecisionCode.APPEAL_PROTECTED)
        redress = f"{redress_base}{caller}" if redress_base else ""
        return _reject(verdict, DecisionCode.SPOOFED_CALLER, redress, rule="international_domestic")

    # 3a. Registered businesses within scope, and numbers cleared on appeal.
    if registry.exact or registry.prefixes:
        reg = registry.covering(caller, call.callee)
        if reg is not None and verdict is not None and _abroad_reasons(verdict):
            # shown from abroad, no roaming list to say the business is not calling from
            # there: labelled as a contact is, not allowed unmarked (a bank's number shown
            # from abroad is the pattern the rule is for)
            return _known_from_abroad(verdict, DecisionCode.REGISTERED_BUSINESS)
        if reg is not None:
            return Decision(
                Action.ALLOW,
                category=reg.category,
                reasons=(
                    Reason(
                        DecisionCode.REGISTERED_BUSINESS.value,
                        {"name": reg.name, "category": reg.category},
                    ),
                ),
            )
    if verdict is None:
        return _ALLOW_NO_VERDICT
    if verdict.protected:
        if _abroad_reasons(verdict):  # shown from abroad, no roaming list: label it
            return _known_from_abroad(verdict, DecisionCode.APPEAL_PROTECTED)
        return Decision(Action.ALLOW, reasons=(Reason(DecisionCode.APPEAL_PROTECTED.value),))

    # 4. The hard signal: a displayed number the allocation registry does not hold is spoofed
    # (回拨验证 fails). Rejected at every protection level, whatever the class (benign too: an
    # operator's import may say so) and the score bands, as the stream engine rejects it per
    # call (scan labels it with the model's likelier class at score 0.999, so a harassment
    # verdict was only labelled here). A call from abroad showing a domestic number whose owner
    # is not roaming was rejected at 3, before the registered-business allow.
    if any(r.code in UNALLOCATED_REASON_CODES for r in verdict.reasons):
        redress = f"{redress_base}{caller}" if redress_base else ""
        return _reject(verdict, DecisionCode.SPOOFED_CALLER, redress)
    if verdict.label == "benign":
        return Decision(Action.ALLOW, reasons=(Reason(DecisionCode.BENIGN.value),))

    # 4a. Community reports alone never reject: they label (a mass report cannot block). Their
    # score is the reputation rule's, not the model's, so the model's bands do not apply.
    if verdict.source == "reports":
        return _community_label(verdict)
    # 4a'. The screener's live label (policy.screened_verdict): the screener heard the caller
    # talk past its challenges on several subscribers' calls. Labelled at standard, rejected
    # at strict (where the call would be screened, and the screener rejects what it hears a
    # bot) and in a category the subscriber refuses; its score is no model's either.
    if verdict.source == "screening":
        return _screened_callees(verdict, pol, f"{redress_base}{caller}" if redress_base else "")
    if verdict.score < thresholds.label_at:
        return Decision(
            Action.ALLOW,
            reasons=(Reason(DecisionCode.BELOW_THRESHOLD.value, {"score": _shown(verdict.score)}),),
        )

    redress = f"{redress_base}{caller}" if redress_base else ""
    strict = pol.protection is Protection.STRICT

    # 4b. Fraud.
    if verdict.label == "fraud":
        if verdict.score >= thresholds.reject_fraud_at:
            return _reject(verdict, DecisionCode.FRAUD_CONFIDENT, redress)
        if strict:
            return _soft(Action.SCREEN, verdict, DecisionCode.FRAUD_SUSPECTED)
        return _soft(Action.LABEL, verdict, DecisionCode.FRAUD_SUSPECTED)

    # 4c. Harassment: the subscriber's refused categories (来电免打扰), then the score band.
    if verdict.category and verdict.category in pol.refused_categories:
        return _reject(verdict, DecisionCode.REFUSED_CATEGORY, redress, category=verdict.category)
    if strict:
        if verdict.score >= thresholds.reject_harassment_at:
            return _reject(verdict, DecisionCode.HARASSMENT_CONFIDENT, redress)
        return _soft(Action.SCREEN, verdict, DecisionCode.HARASSMENT_SUSPECTED)
    if verdict.score >= thresholds.reject_harassment_at:
        return _soft(Action.LABEL, verdict, DecisionCode.HARASSMENT_CONFIDENT)
    return _soft(Action.LABEL, verdict, DecisionCode.HARASSMENT_SUSPECTED)


def without_policy(decision: Decision) -> Decision:
    """A decision taken without the subscriber's own policy (the store could not be read, so
    their allow list, block list and settings are unknown or possibly stale): the call path
    fails open, so a reject or a screen becomes a label (a contact on an allow list this
    worker cannot see must still ring), with ``policy_unavailable`` first, naming what was
    capped; any other decision gets the reason last."""
    code = DecisionCode.POLICY_UNAVAILABLE.value
    if decision.action in (Action.REJECT, Action.SCREEN):
        evidence = {"capped": decision.action.value, "sip_code": decision.sip_code}
        return replace(
            decision,
            action=Action.LABEL,
            sip_code=None,
            redress_uri="",
            logged=False,
            reasons=(Reason(code, evidence), *decision.reasons),
        )
    return replace(decision, reasons=(*decision.reasons, Reason(code)))
