"""Scenarios: the parameters of every population, read from YAML.

A scenario file overrides any subset of the defaults below (which are the ``article`` mix);
unknown keys and wrong types are a :class:`~callwarden.errors.ConfigError` naming the key.
Figures and their sources are in ``docs/simulator.md``. ``per_million`` counts scale with the
number of subscribers; ``minimum`` keeps small test runs populated.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import types
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from callwarden.errors import ConfigError

Range = tuple[float, float]

#: Categories the simulator has scripts for (``data/scripts.yaml``) and labels documents
#: (docs/simulator.md): harassment operations (AI dialers, human seats) and fraud operations.
HARASSMENT_CATEGORIES = ("insurance", "real_estate", "education", "medical", "loans")
FRAUD_CATEGORIES = (
    "impersonation_police",
    "refund_scam",
    "loan_scam",
    "impersonation_acquaintance",
)


@dataclass(frozen=True)
class SubscriberParams:
    calls_per_day: float = 2.4  # outgoing attempts per subscriber on a weekday (mean)
    contacts_mean: float = 10.0  # distinct contacts (undirected) per subscriber, heavy-tailed
    activity_sigma: float = 0.9  # lognormal spread of per-subscriber activity
    local_share: float = 0.75  # contacts in the same city
    remote_share: float = 0.06  # contacts outside the province
    operator_share: tuple[float, float, float, float] = (
        0.58,
        0.2,
        0.12,
        0.10,
    )  # cmcc, cucc, ctcc, fixed
    answer: float = 0.80
    busy: float = 0.03
    reject: float = 0.03
    talk_median_s: float = 65.0
    talk_sigma: float = 1.1
    callback_missed: float = 0.45  # a missed call from a contact is returned
    service_calls_per_day: float = 0.04  # calls to 95xxx hotlines, clinics
    misdial_per_day: float = 0.004
    weekend_factor: float = 0.85
    roaming_share: float = 0.03
    block_fill: float = 0.82  # allocated share of a 1,000-number block
    idle_share: float = 0.06  # allocated numbers that place no call in the run


@dataclass(frozen=True)
class CourierParams:
    per_million: float = 700.0
    minimum: int = 2
    calls_per_day: Range = (60.0, 200.0)
    answer: Range = (0.5, 0.85)  # per courier: people ignore unknown numbers more or less
    reject: float = 0.04
    talk_median_s: Range = (12.0, 30.0)  # per courier
    talk_sigma: float = 0.6
    callback_missed: float = 0.55
    callback_answered: float = 0.06


@dataclass(frozen=True)
class AxbParams:
    orders_per_million: float = 20000.0  # orders a day that need one driver/rider call
    calls_per_x_number: Range = (50.0, 300.0)
    food_share: float = 0.55  # food delivery vs ride hailing
    answer: Range = (0.65, 0.9)  # per platform
    talk_median_s: float = 22.0
    talk_sigma: float = 0.6
    callback_missed: float = 0.5


@dataclass(frozen=True)
class BankParams:
    outbound_per_million: float = 4000.0
    callback_share: float = 0.4  # outbound calls that return a customer's inbound call
    answer: Range = (0.45, 0.75)  # per hotline
    reject: float = 0.06
    talk_median_s: float = 80.0
    talk_sigma: float = 0.8
    bot_share: float = 0.2  # automated reminders (overdue, card activation)
    minimum_per_bank: int = 5


@dataclass(frozen=True)
class ClinicParams:
    per_million: float = 50.0
    minimum: int = 1
    patients: Range = (500.0, 3000.0)
    reminders_per_day: Range = (30.0, 250.0)
    bookings_per_day: Range = (20.0, 150.0)
    answer: Range = (0.55, 0.85)  # per clinic
    talk_median_s: float = 30.0


@dataclass(frozen=True)
class SchoolParams:
    per_million: float = 40.0
    minimum: int = 1
    parents: Range = (300.0, 1500.0)
    answer: Range = (0.55, 0.8)  # per school
    talk_median_s: float = 22.0
    burst_hour: float = 16.5
    burst_minutes: float = 25.0


@dataclass(frozen=True)
class SalesParams:
    per_million: float = 1000.0
    minimum: int = 3
    calls_per_day: Range = (40.0, 120.0)
    client_share: float = 0.45  # calls to existing clients (prior contact)
    answer: Range = (0.3, 0.65)  # per sales rep (clients answer more, cold leads less)
    reject: float = 0.08
    talk_median_s: Range = (40.0, 110.0)  # per sales rep
    talk_sigma: float = 0.9
    callback: float = 0.15


@dataclass(frozen=True)
class AiRobocallParams:
    per_million: float = 12.0
    minimum: int = 2
    attempts_per_day: Range = (3000.0, 20000.0)
    answer: Range = (0.12, 0.3)
    reject: Range = (0.12, 0.25)
    rotate_every: Range = (5.0, 40.0)  # caller-ID rotation period in calls
    rotate_after_reject: float = 0.5
    calls_per_number: Range = (20.0, 150.0)  # sets the caller-ID pool size
    unallocated_share: float = 0.7
    local_display_share: float = 0.6  # ops showing the callee's own area code
    callback: float = 0.04  # callee calls the displayed number back
    pai_share: float = 0.3  # calls carrying the trunk's asserted identity
    pacing: str = "burst"  # "burst": dialer at working hours; "human": spread, capped per number
    pad_talk_s: float = 0.0
    mixed_benign: float = 0.0  # share of calls to cooperating numbers that answer and call back
    lists_per_op: Range = (1.0, 3.0)
    sequential_list_share: float = 0.6
    ingress_per_op: Range = (1.0, 2.0)
    categories: tuple[str, ...] = HARASSMENT_CATEGORIES


@dataclass(frozen=True)
class HumanSeatParams:
    per_million: float = 20.0
    minimum: int = 2
    seats: Range = (2.0, 8.0)
    calls_per_seat: Range = (340.0, 460.0)
    answer: Range = (0.2, 0.42)
    reject: float = 0.12
    sims_per_seat: Range = (1.0, 4.0)
    rotate_every: Range = (60.0, 200.0)
    bridge_share: float = 0.5  # operations that dial through 双向回呼
    wash_share: float = 0.04  # "washing" calls to friendly numbers
    pad_talk_s: float = 0.0
    categories: tuple[str, ...] = HARASSMENT_CATEGORIES


@dataclass(frozen=True)
class FraudParams:
    per_million: float = 8.0
    minimum: int = 2
    calls_per_day: Range = (30.0, 300.0)
    answer: Range = (0.25, 0.45)
    long_talk_share: float = 0.6
    long_talk_median_s: float = 420.0
    igw_share: float = 0.6  # spoofed through an international gateway; the rest SIM boxes
    rotate_every: Range = (10.0, 40.0)
    unallocated_share: float = 0.6
    categories: tuple[str, ...] = FRAUD_CATEGORIES


@dataclass(frozen=True)
class PaddingParams:
    """Padding (the 30 Nov audit's attack): before its first call, every harassment number
    places ``accomplices`` answered calls to accomplice SIMs of its own, which ring it back.
    0 (the default) is off and draws nothing."""

    accomplices: int = 0  # accomplice SIMs per harassment number (0: no padding)
    talk_s: float = 120.0  # talk time of each padding call
    callback: float = 1.0  # share of the accomplices that ring the number back
    return_talk_s: float = 30.0


@dataclass(frozen=True)
class RoamingParams:
    """The own operator's mobile subscribers abroad, calling home through an international
    gateway (``sim.roamers``; an assumption, docs/simulator.md "Roamers"). ``daily_share``
    0 is off and draws nothing."""

    daily_share: float = 0.0002  # of own mobile subscribers leave for abroad each day
    stay_days: Range = (2.0, 14.0)
    calls_per_day: float = 1.5  # calls home per roamer per day abroad (Poisson)


@dataclass(frozen=True)
class Scenario:
    name: str = "article"
    description: str = ""
    start_date: str = "2026-11-02"  # local date of day 0 (Asia/Shanghai)
    utc_offset_hours: int = 8
    subscribers: int = 200_000
    transcript_sample: int = 2000
    subscriber: SubscriberParams = field(default_factory=SubscriberParams)
    courier: CourierParams = field(default_factory=CourierParams)
    axb: AxbParams = field(default_factory=AxbParams)
    bank: BankParams = field(default_factory=BankParams)
    clinic: ClinicParams = field(default_factory=ClinicParams)
    school: SchoolParams = field(default_factory=SchoolParams)
    sales: SalesParams = field(default_factory=SalesParams)
    ai_robocall: AiRobocallParams = field(default_factory=AiRobocallParams)
    human_seat: HumanSeatParams = field(default_factory=HumanSeatParams)
    fraud: FraudParams = field(default_factory=FraudParams)
    padding: PaddingParams = field(default_factory=PaddingParams)
    roaming: RoamingParams = field(default_factory=RoamingParams)


SHIPPED = ("article", "quiet", "adaptive", "padded")


def _coerce(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"scenario key {where!r} must be a mapping")
        return _build(tp, value, where)  # type: ignore[arg-type]
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigError(f"scenario key {where!r} must be a list")
        args = typing.get_args(tp)
        inner = args[0]
        if (len(args) != 2 or args[1] is not Ellipsis) and len(value) != len(args):
            raise ConfigError(f"scenario key {where!r} must have {len(args)} items")
        return tuple(_coerce(inner, v, where) for v in value)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"scenario key {where!r} must be a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"scenario key {where!r} must be an integer, got {value!r}")
        return value
    if tp is str:
        if isinstance(value, dt.date):  # YAML reads an unquoted 2026-11-03 as a date
            return value.isoformat()
        if not isinstance(value, str | int):
            raise ConfigError(f"scenario key {where!r} must be text, got {value!r}")
        return str(value)
    if isinstance(tp, types.UnionType):  # pragma: no cover - not used by the params yet
        return value
    return value


def _build(cls: type, data: dict[str, Any], where: str = "") -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(
            f"unknown scenario key(s) {', '.join(where + '.' + k if where else k for k in unknown)}"
        )
    kwargs = {k: _coerce(hints[k], v, f"{where}.{k}" if where else k) for k, v in data.items()}
    return cls(**kwargs)


def scenario_from_dict(data: dict[str, Any]) -> Scenario:
    scen: Scenario = _build(Scenario, data)
    _validate(scen)
    return scen


#: Parameters that are probabilities or shares (each value in [0, 1]).
_PROBABILITIES = {"answer", "busy", "reject", "callback", "rotate_after_reject", "mixed_benign"}
#: Parameters that count calls or numbers per something: at least 1.
_AT_LEAST_ONE = {
    "rotate_every",
    "calls_per_number",
    "calls_per_x_number",
    "seats",
    "sims_per_seat",
    "lists_per_op",
    "ingress_per_op",
    "attempts_per_day",
    "patients",
    "parents",
}


def _is_probability(name: str) -> bool:
    return (
        name in _PROBABILITIES
        or name.endswith("_share")
        or name.startswith("callback_")
        or name == "block_fill"
    )


def _validate(s: Scenario) -> None:
    if s.subscribers < 1000:
        raise ConfigError("scenario subscribers must be at least 1000")
    try:
        dt.date.fromisoformat(s.start_date)
    except ValueError as exc:
        raise ConfigError(
            f"scenario start_date must be a date YYYY-MM-DD, got {s.start_date!r} ({exc})"
        ) from exc
    if not -12 <= s.utc_offset_hours <= 14:
        raise ConfigError(
            f"scenario utc_offset_hours must be between -12 and 14, got {s.utc_offset_hours}"
        )
    if s.transcript_sample < 0:
        raise ConfigError("scenario transcript_sample must be 0 or more")
    if s.ai_robocall.pacing not in {"burst", "human"}:
        raise ConfigError("ai_robocall.pacing must be 'burst' or 'human'")
    shares = s.subscriber.operator_share
    if abs(sum(shares) - 1.0) > 1e-6:
        raise ConfigError("subscriber.operator_share must sum to 1")
    for sub in dataclasses.fields(s):
        params = getattr(s, sub.name)
        if not dataclasses.is_dataclass(params):
            continue
        for f in dataclasses.fields(params):
            _check_value(f"{sub.name}.{f.name}", f.name, getattr(params, f.name))
        _check_outcomes(sub.name, params)
    sub_p = s.subscriber
    if sub_p.local_share + sub_p.remote_share > 1:
        raise ConfigError("scenario subscriber.local_share + remote_share must be at most 1")
    if sub_p.block_fill <= 0:
        raise ConfigError(
            f"scenario subscriber.block_fill must be above 0 (the allocated share of a number"
            f" block), got {sub_p.block_fill:g}"
        )
    if sub_p.idle_share >= 1:
        raise ConfigError(
            f"scenario subscriber.idle_share must be below 1 (some allocated numbers must call),"
            f" got {sub_p.idle_share:g}"
        )
    for where, cats, allowed in (
        ("ai_robocall", s.ai_robocall.categories, HARASSMENT_CATEGORIES),
        ("human_seat", s.human_seat.categories, HARASSMENT_CATEGORIES),
        ("fraud", s.fraud.categories, FRAUD_CATEGORIES),
    ):
        if not cats:
            raise ConfigError(
                f"scenario {where}.categories must name at least one of {', '.join(allowed)}"
                " (set per_million: 0, minimum: 0 for none of these operations)"
            )
        unknown = sorted(set(cats) - set(allowed))
        if unknown:
            raise ConfigError(
                f"scenario {where}.categories: unknown {', '.join(unknown)}"
                f" (known: {', '.join(allowed)})"
            )


def _check_value(where: str, name: str, v: Any) -> None:
    values = v if isinstance(v, tuple) else (v,)
    numbers = [x for x in values if isinstance(x, int | float) and not isinstance(x, bool)]
    if not numbers:
        return
    if not all(math.isfinite(x) for x in numbers):
        raise ConfigError(f"scenario {where} must be finite, got {v!r}")
    if (
        isinstance(v, tuple)
        and len(v) == 2
        and all(isinstance(x, float) for x in v)
        and v[0] > v[1]
    ):
        raise ConfigError(f"scenario range {where} has low > high")
    if _is_probability(name) and not all(0 <= x <= 1 for x in numbers):
        raise ConfigError(f"scenario {where} is a probability: each value in [0, 1], got {v!r}")
    if name in _AT_LEAST_ONE and min(numbers) < 1:
        raise ConfigError(f"scenario {where} must be at least 1, got {v!r}")
    if min(numbers) < 0:
        raise ConfigError(f"scenario {where} must not be negative, got {v!r}")


def _check_outcomes(population: str, params: Any) -> None:
    """A call is answered, rejected or busy with probabilities that add up to at most 1."""
    parts = [n for n in ("answer", "reject", "busy") if hasattr(params, n)]
    if len(parts) < 2:
        return
    top = {
        n: max(getattr(params, n)) if isinstance(getattr(params, n), tuple) else getattr(params, n)
        for n in parts
    }
    if sum(top.values()) > 1 + 1e-9:
        terms = " + ".join(f"{n} {top[n]:g}" for n in parts)
        raise ConfigError(
            f"scenario {population}: {terms} exceeds 1 (a call is answered, rejected or busy"
            " at most once; ranges count their high end)"
        )


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A shipped scenario by name (``article``, ``quiet``, ``adaptive``, ``padded``) or a YAML
    file path.

    A file without ``name:`` is named for the file (``my`` for ``my.yaml``). ``base:`` names a
    shipped scenario whose keys the file's own keys override (mappings merged key by key)."""
    data = _scenario_data(name_or_path)
    return scenario_from_dict(data)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _scenario_data(name_or_path: str | Path, depth: int = 0) -> dict[str, Any]:
    text: str
    key = str(name_or_path)
    if key in SHIPPED:
        text = (
            resources.files("callwarden.sim").joinpath(f"scenarios/{key}.yaml").read_text("utf-8")
        )
    else:
        path = Path(key)
        if not path.is_file():
            raise ConfigError(
                f"no scenario named {key!r} (shipped: {', '.join(SHIPPED)}) and no such file"
            )
        text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"scenario {key!r} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"scenario {key!r} must be a YAML mapping")
    if "name" not in data and key not in SHIPPED:
        # A file without a name is its own world, not the default mix: name it for the file.
        data = {"name": Path(key).stem, **data}
    base = data.pop("base", None)
    if base is not None:
        if not isinstance(base, str) or base not in SHIPPED:
            raise ConfigError(
                f"scenario {key!r}: base must name a shipped scenario ({', '.join(SHIPPED)}),"
                f" got {base!r}"
            )
        if depth > len(SHIPPED):
            raise ConfigError(f"scenario {key!r}: base scenarios name each other in a loop")
        inherited = _scenario_data(base, depth + 1)
        inherited.pop("description", None)
        data = _merge(inherited, data)
    return data
