"""Campaign ids across days (SQLite and PostgreSQL): scan names a campaign by its day's
callee list, so one operation gets a new id each day; the store keeps the stored id when the
new campaign is mostly the stored one's members, records the new id as its alias (audited)
and answers it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callwarden.policy import Verdict
from callwarden.store import Store
from callwarden.store.base import NotFoundError
from callwarden.store.campaign_traits import CampaignTraits
from callwarden.store.io import read_verdicts_csv
from callwarden.store.verdict_import import Provenance


def _members(prefix: str, first: int, last: int) -> list[str]:
    return [f"+86170{prefix}{i:05d}" for i in range(first, last)]


def _import(  # type: ignore[no-untyped-def]
    store: Store,
    day: str,
    campaigns: dict[str, list[str]],
    traits: dict[str, CampaignTraits] | None = None,
):
    rows = [
        Verdict(n, "harassment", 0.95, "loans", (), cid)
        for cid, numbers in campaigns.items()
        for n in numbers
    ]
    return store.import_verdicts_result(rows, provenance=Provenance("f", "m", day), traits=traits)


def test_a_campaign_keeps_its_id_across_days(store: Store) -> None:
    _import(store, "2026-11-02", {"Caaa": _members("1", 0, 10), "Cbbb": _members("2", 0, 10)})
    # the next day: Caaa's operation dials on as Cnew1 (6 of its 10 numbers, 4 new ones);
    # Cnew2 shares 2 of its 10 numbers with Cbbb (20 %: a different operation)
    second = _import(
        store,
        "2026-11-03",
        {
            "Cnew1": _members("1", 4, 14),
            "Cnew2": _members("2", 8, 10) + _members("3", 0, 8),
        },
    )
    listed = {c["campaign"]: c["numbers"] for c in store.list_campaigns()}
    assert listed == {"Caaa": 14, "Cbbb": 8, "Cnew2": 10}
    assert second.continued == {"Cnew1": "Caaa"}
    new_member = store.get_verdict(_members("1", 13, 14)[0])
    assert new_member is not None and new_member.campaign == "Caaa"
    assert [v.campaign for v in second.written if v.number == _members("1", 13, 14)[0]] == ["Caaa"]
    by_alias = store.get_campaign("Cnew1")
    assert by_alias["campaign"] == "Caaa" and by_alias["numbers"] == 14
    entry = store.audit_trail("verdicts", 5)
    continued = [e for e in entry if e["action"] == "campaign_continued"]
    assert len(continued) == 1
    assert continued[0]["detail"]["alias"] == "Cnew1"
    assert continued[0]["detail"]["campaign"] == "Caaa"
    assert continued[0]["detail"]["shared"] == 6
    assert (
        entry[0]["action"] == "import_verdicts" and entry[0]["detail"]["campaigns_continued"] == 1
    )
    # a restart re-importing the same file: the same ids, no second alias entry
    again = _import(
        store,
        "2026-11-03",
        {
            "Cnew1": _members("1", 4, 14),
            "Cnew2": _members("2", 8, 10) + _members("3", 0, 8),
        },
    )
    assert again.continued == {"Cnew1": "Caaa"}
    assert {c["campaign"] for c in store.list_campaigns()} == {"Caaa", "Cbbb", "Cnew2"}
    trail = store.audit_trail("verdicts", 20)
    assert len([e for e in trail if e["action"] == "campaign_continued"]) == 1


def test_an_id_the_store_holds_stays_and_is_not_taken_over(store: Store) -> None:
    _import(store, "2026-11-02", {"Caaa": _members("1", 0, 10)})
    # the scan names Caaa itself (the same list) and a new campaign of Caaa's members
    result = _import(
        store, "2026-11-03", {"Caaa": _members("1", 0, 4), "Cnew": _members("1", 4, 10)}
    )
    assert not result.continued
    assert {c["campaign"]: c["numbers"] for c in store.list_campaigns()} == {"Caaa": 4, "Cnew": 6}


def test_a_large_campaign_does_not_take_over_a_small_one(store: Store) -> None:
    """Two numbers of a stored 4-number operation inside another operation's 300 (resold SIMs)
    are half of the smaller campaign but not of the import's: the ids stay apart."""
    _import(store, "2026-11-02", {"CsA": _members("1", 0, 4)})
    result = _import(store, "2026-11-03", {"CxB": _members("1", 2, 4) + _members("2", 0, 300)})
    assert not result.continued
    assert {c["campaign"]: c["numbers"] for c in store.list_campaigns()} == {
        "CsA": 2,
        "CxB": 302,
    }


def test_an_import_held_back_records_no_alias(store: Store) -> None:
    """An older day's import that precedence rule 3 holds back entirely writes nothing, so it
    records no alias and no campaign_continued entry."""
    _import(store, "2026-11-05", {"C05": _members("1", 0, 10)})
    result = _import(store, "2026-11-02", {"C02": _members("1", 0, 10)})
    assert result.held_newer_scan == 10 and not result.written and not result.continued
    assert not [e for e in store.audit_trail("verdicts", 20) if e["action"] == "campaign_continued"]
    with pytest.raises(NotFoundError):
        store.get_campaign("C02")


# The second way (store.campaign_traits): the same ingresses and an asserted identity (PAI)
# in common continue a stored campaign whose numbers were mostly renewed.


def _traits(ingresses: str, asserted: str) -> CampaignTraits:
    return CampaignTraits.parse(ingresses, asserted)


def test_a_renewing_operation_keeps_its_id_by_ingresses_and_asserted_identity(
    store: Store,
) -> None:
    """The four-day audit's largest operation shares 31-41 % of its numbers day to day: the
    member rule alone gave it a new id each day."""
    _import(
        store,
        "2026-11-02",
        {"Caaa": _members("1", 0, 10), "Cbbb": _members("2", 0, 10)},
        {"Caaa": _traits("SIPT-V5-1;SIPT-V5-2", "+864002105502"), "Cbbb": _traits("SIPT-V5-3", "")},
    )
    # Cnew1: 3 of Caaa's numbers and 7 new ones, the same trunks and pilot identity;
    # Cnew2: Cbbb's trunk, no asserted identity (never matched by traits), new numbers
    second = _import(
        store,
        "2026-11-03",
        {"Cnew1": _members("1", 7, 17), "Cnew2": _members("3", 0, 10)},
        {
            "Cnew1": _traits("SIPT-V5-2;SIPT-V5-1", "+864002105502;+864002105599"),
            "Cnew2": _traits("SIPT-V5-3", ""),
        },
    )
    assert second.continued == {"Cnew1": "Caaa"}
    listed = {c["campaign"]: c["numbers"] for c in store.list_campaigns()}
    assert listed == {"Caaa": 17, "Cbbb": 10, "Cnew2": 10}
    assert store.get_campaign("Cnew1")["campaign"] == "Caaa"
    entry = [e for e in store.audit_trail("verdicts", 5) if e["action"] == "campaign_continued"]
    assert len(entry) == 1
    assert entry[0]["detail"]["reason"] == "same_ingresses_and_asserted_identity"
    assert entry[0]["detail"]["evidence"] == {
        "ingresses": ["SIPT-V5-1", "SIPT-V5-2"],
        "asserted": ["+864002105502"],
        "traits_scan_day": "2026-11-02",
        "shared": 3,
        "alias_members": 10,
    }
    assert entry[0]["detail"]["shared"] == 3
    # the third day is compared with the second day's traits, kept under the stored id
    third = _import(
        store,
        "2026-11-04",
        {"Cday3": _members("1", 15, 25)},
        {"Cday3": _traits("SIPT-V5-1;SIPT-V5-2", "+864002105599")},
    )
    assert third.continued == {"Cday3": "Caaa"}


def test_a_member_continuation_records_its_reason(store: Store) -> None:
    _import(store, "2026-11-02", {"Caaa": _members("1", 0, 10)})
    _import(store, "2026-11-03", {"Cnew": _members("1", 2, 12)})
    entry = [e for e in store.audit_trail("verdicts", 5) if e["action"] == "campaign_continued"]
    assert entry[0]["detail"]["reason"] == "shared_members"
    assert entry[0]["detail"]["evidence"] == {"shared": 8, "alias_members": 10}


@pytest.mark.parametrize(
    ("stored", "new"),
    [
        # one vendor's trunks serve two operations: same ingresses, another identity
        ({"Caaa": ("SIPT-V5-1;SIPT-V5-2", "+864002105502")}, ("SIPT-V5-1;SIPT-V5-2", "+8699")),
        # the identity alone, through other trunks
        ({"Caaa": ("SIPT-V5-1;SIPT-V5-2", "+864002105502")}, ("SIPT-V5-1", "+864002105502")),
        # two stored campaigns match: neither is taken
        (
            {"Caaa": ("SIPT-V5-1", "+864002105502"), "Cbbb": ("SIPT-V5-1", "+864002105502")},
            ("SIPT-V5-1", "+864002105502"),
        ),
        # no ingresses recorded (a feature table's scan): never matched
        ({"Caaa": ("", "+864002105502")}, ("", "+864002105502")),
    ],
)
def test_traits_that_do_not_single_out_one_stored_campaign_continue_none(
    store: Store, stored: dict[str, tuple[str, str]], new: tuple[str, str]
) -> None:
    _import(
        store,
        "2026-11-02",
        {c: _members(str(i + 1), 0, 10) for i, c in enumerate(stored)},
        {c: _traits(*t) for c, t in stored.items()},
    )
    result = _import(
        store,
        "2026-11-03",
        {"Cnew": _members("1", 8, 10) + _members("9", 0, 8)},
        {"Cnew": _traits(*new)},
    )
    assert not result.continued
    assert "Cnew" in {c["campaign"] for c in store.list_campaigns()}


def _mobiles(first: int, last: int) -> list[str]:
    """Numbers read_verdicts_csv accepts (valid E.164 mobiles)."""
    return [f"+8613912{i:06d}" for i in range(first, last)]


def test_read_verdicts_csv_takes_the_traits_of_the_campaigns_csv_beside_it(
    store: Store, tmp_path: Path
) -> None:
    def scan_dir(name: str, day: str, cid: str, numbers: list[str], asserted: bool) -> Path:
        d = tmp_path / name
        d.mkdir()
        (d / "scan-summary.json").write_text(json.dumps({"day": day, "model_version": "m"}))
        (d / "verdicts.csv").write_text(
            "number,label,score,category,reasons,campaign\n"
            + "".join(f"{n},harassment,0.95,loans,[],{cid}\n" for n in numbers)
        )
        head = "campaign_id,ingresses,numbers" + (",asserted" if asserted else "")
        row = f"{cid},SIPT-V5-1;SIPT-V5-2,x" + (",+864002105502" if asserted else "")
        (d / "campaigns.csv").write_text(f"{head}\n{row}\n")
        return d / "verdicts.csv"

    first = read_verdicts_csv(scan_dir("s2", "2026-11-02", "Caaa", _mobiles(0, 10), True))
    assert dict(first.campaign_traits) == {"Caaa": _traits("SIPT-V5-1;SIPT-V5-2", "+864002105502")}
    store.import_verdicts_result(first)
    # a scan from before the asserted column (another operation, new numbers): members only
    old = read_verdicts_csv(scan_dir("s3", "2026-11-03", "Cold", _mobiles(100, 110), False))
    assert not store.import_verdicts_result(old).continued
    new = read_verdicts_csv(scan_dir("s3b", "2026-11-03", "Cnew", _mobiles(8, 18), True))
    assert store.import_verdicts_result(new).continued == {"Cnew": "Caaa"}


# Audit of 31c9489 (session 19): continuity in time, member evidence elsewhere, which import's
# traits a campaign keeps, and what campaigns.csv gives. Each failed on 31c9489.

TRUNKS, PILOT = "SIPT-V5-1;SIPT-V5-2", "+864002105502"


def _traits_rows(store: Store) -> dict[str, tuple[str, str, str]]:
    import sqlalchemy as sa

    from callwarden.store.schema import campaign_traits

    with store.read() as conn:
        return {
            r.campaign: (r.ingresses, r.asserted, r.scan_day)
            for r in conn.execute(sa.select(campaign_traits))
        }


def _import_entry(store: Store) -> dict:  # type: ignore[type-arg]
    return next(e for e in store.audit_trail("verdicts", 50) if e["action"] == "import_verdicts")[
        "detail"
    ]


@pytest.mark.parametrize(("gap_days", "day"), [(2, "2026-11-04"), (200, "2027-05-21")])
def test_traits_continue_only_from_the_day_before(
    store: Store, clock, gap_days: int, day: str
) -> None:  # type: ignore[no-untyped-def]
    """A campaign last seen 200 days (or 2 days) before is not continued by its traits."""
    _import(store, "2026-11-02", {"Cold": _members("1", 0, 50)}, {"Cold": _traits(TRUNKS, PILOT)})
    clock.t += gap_days * 86400
    r = _import(store, day, {"Cnew": _members("2", 0, 50)}, {"Cnew": _traits(TRUNKS, PILOT)})
    assert r.continued == {}
    refused = _import_entry(store)["traits_refused"]
    assert [(x["alias"], x["campaign"], x["reason"]) for x in refused] == [
        ("Cnew", "Cold", "traits_not_recent")
    ]
    assert refused[0]["evidence"] == {"scan_day": day, "traits_scan_day": "2026-11-02"}


def test_an_import_without_a_scan_day_continues_and_records_no_traits(store: Store) -> None:
    _import(store, "2026-11-02", {"Caaa": _members("1", 0, 10)}, {"Caaa": _traits(TRUNKS, PILOT)})
    r = _import(store, "", {"Cbbb": _members("1", 7, 17)}, {"Cbbb": _traits(TRUNKS, PILOT)})
    assert r.continued == {}
    assert _import_entry(store)["traits_refused"][0]["reason"] == "no_scan_day"
    assert _traits_rows(store) == {"Caaa": (TRUNKS, PILOT, "2026-11-02")}


def test_a_platform_resold_from_one_day_to_the_next_is_one_campaign(store: Store) -> None:
    """Documented limit: the same trunks and PAI the next day, 0 numbers shared, are taken as
    the same campaign (the carrier's trunk customer is the same party)."""
    _import(store, "2026-11-02", {"Cma": _members("1", 0, 50)}, {"Cma": _traits(TRUNKS, PILOT)})
    r = _import(store, "2026-11-03", {"Cmb": _members("2", 0, 50)}, {"Cmb": _traits(TRUNKS, PILOT)})
    assert r.continued == {"Cmb": "Cma"}


def test_members_in_another_stored_campaign_win_over_traits(store: Store) -> None:
    """Cnew holds 4 of stored Cd's numbers (under half) and none of Cc's, with Cc's trunks and
    PAI: continued into nothing, and the import's entry says why."""
    _import(
        store,
        "2026-11-02",
        {"Cc": _members("1", 0, 10), "Cd": _members("2", 0, 10)},
        {"Cc": _traits(TRUNKS, PILOT), "Cd": _traits("SIPT-V5-3", "+8640009999")},
    )
    r = _import(
        store, "2026-11-03", {"Cnew": _members("2", 6, 16)}, {"Cnew": _traits(TRUNKS, PILOT)}
    )
    assert r.continued == {}
    listed = {c["campaign"]: c["numbers"] for c in store.list_campaigns()}
    assert listed == {"Cc": 10, "Cd": 6, "Cnew": 10}
    entry = _import_entry(store)
    assert entry["traits_refused_count"] == 1
    assert entry["traits_refused"][0] == {
        "alias": "Cnew",
        "campaign": "Cc",
        "reason": "members_in_another_campaign",
        "evidence": {"shared": {"Cd": 4}},
    }


@pytest.mark.parametrize("override", [False, True])
def test_an_older_day_keeps_the_newer_traits(store: Store, override: bool) -> None:
    """Day 3 then (late, with or without --override-newer-scans) day 2: day 3's traits stay."""
    _import(
        store, "2026-11-03", {"Caaa": _members("1", 0, 10)}, {"Caaa": _traits(TRUNKS, "+864003")}
    )
    rows = [Verdict(n, "harassment", 0.95, "loans", (), "Caaa") for n in _members("1", 0, 10)]
    store.import_verdicts_result(
        rows,
        provenance=Provenance("f", "m", "2026-11-02"),
        traits={"Caaa": _traits(TRUNKS, "+864002")},
        override_newer_scans=override,
    )
    assert _traits_rows(store)["Caaa"] == (TRUNKS, "+864003", "2026-11-03")


def test_a_restart_re_importing_an_older_day_keeps_the_newer_traits(store: Store) -> None:
    _import(
        store, "2026-11-02", {"Caaa": _members("1", 0, 10)}, {"Caaa": _traits(TRUNKS, "+864002")}
    )
    r3 = _import(
        store,
        "2026-11-03",
        {"Cbbb": _members("1", 8, 18)},
        {"Cbbb": _traits(TRUNKS, "+864002;+864003")},
    )
    assert r3.continued == {"Cbbb": "Caaa"}
    _import(
        store, "2026-11-02", {"Caaa": _members("1", 0, 10)}, {"Caaa": _traits(TRUNKS, "+864002")}
    )
    r4 = _import(
        store, "2026-11-04", {"Cddd": _members("1", 16, 26)}, {"Cddd": _traits(TRUNKS, "+864003")}
    )
    assert r4.continued == {"Cddd": "Caaa"}


def test_unusable_traits_never_replace_usable_ones(store: Store) -> None:
    """A re-import of the day from an old scan folder (no asserted column) keeps the traits."""
    _import(store, "2026-11-02", {"Caaa": _members("1", 0, 10)}, {"Caaa": _traits(TRUNKS, PILOT)})
    _import(store, "2026-11-02", {"Caaa": _members("1", 0, 10)}, {"Caaa": _traits(TRUNKS, "")})
    assert _traits_rows(store)["Caaa"] == (TRUNKS, PILOT, "2026-11-02")
    r = _import(
        store, "2026-11-03", {"Cnew": _members("1", 8, 18)}, {"Cnew": _traits(TRUNKS, PILOT)}
    )
    assert r.continued == {"Cnew": "Caaa"}


def test_the_same_day_imported_twice_changes_nothing(store: Store) -> None:
    _import(store, "2026-11-02", {"Caaa": _members("1", 0, 10)}, {"Caaa": _traits(TRUNKS, PILOT)})
    r1 = _import(
        store, "2026-11-03", {"Cbbb": _members("1", 7, 17)}, {"Cbbb": _traits(TRUNKS, PILOT)}
    )
    before = (store.list_campaigns(), _traits_rows(store))
    r2 = _import(
        store, "2026-11-03", {"Cbbb": _members("1", 7, 17)}, {"Cbbb": _traits(TRUNKS, PILOT)}
    )
    assert r1.continued == r2.continued == {"Cbbb": "Caaa"}
    assert (store.list_campaigns(), _traits_rows(store)) == before
    assert (
        len([e for e in store.audit_trail("verdicts", 50) if e["action"] == "campaign_continued"])
        == 1
    )


def _scan_folder(tmp_path: Path, name: str, campaigns_csv: bytes) -> Path:
    d = tmp_path / name
    d.mkdir()
    (d / "scan-summary.json").write_text(json.dumps({"day": "2026-11-02", "model_version": "m"}))
    (d / "verdicts.csv").write_text(
        "number,label,score,category,reasons,campaign\n"
        + "".join(f"{n},harassment,0.95,loans,[],Caaa\n" for n in _mobiles(0, 3))
    )
    (d / "campaigns.csv").write_bytes(campaigns_csv)
    return d / "verdicts.csv"


GOOD = f"campaign_id,ingresses,asserted\nCaaa,{TRUNKS},{PILOT}\n"


@pytest.mark.parametrize(
    ("name", "data", "read", "warning"),
    [
        ("bom", b"\xef\xbb\xbf" + GOOD.encode(), 1, None),
        ("crlf", GOOD.replace("\n", "\r\n").encode(), 1, None),
        ("gbk", GOOD.replace("SIPT-V5-1", "中继-1").encode("gbk"), 0, "no campaign traits read"),
        ("empty", b"", 0, "no campaign traits read (empty file)"),
        ("bomonly", b"\xef\xbb\xbf", 0, "no campaign traits read (empty file)"),
        ("noingress", f"campaign_id,asserted\nCaaa,{PILOT}\n".encode(), 0, "no column ingresses"),
        (
            "dup",
            (GOOD + f"Caaa,OTHER,{PILOT}\n").encode(),
            0,
            "'Caaa' not read (given more than once)",
        ),
        (
            "ctrl",
            f"campaign_id,ingresses,asserted\nCaaa,SIPT\x1b[31m-1,{PILOT}\n".encode(),
            0,
            "U+001B",
        ),
        (
            "bidi",
            f"campaign_id,ingresses,asserted\nCaaa,{TRUNKS},{PILOT}\u202e\n".encode(),
            0,
            "U+202E",
        ),
        (
            "formula",
            f'campaign_id,ingresses,asserted\nCaaa,"=HYPERLINK(""x"")",{PILOT}\n'.encode(),
            0,
            "formula",
        ),
        ("at", f"campaign_id,ingresses,asserted\nCaaa,@SUM(1),{PILOT}\n".encode(), 0, "formula"),
        (
            "minus",
            f"campaign_id,ingresses,asserted\nCaaa,-1+cmd|x,{PILOT}\n".encode(),
            0,
            "formula",
        ),
        ("long", f"campaign_id,ingresses,asserted\nCaaa,{'x' * 201},{PILOT}\n".encode(), 0, "200"),
        (
            "many",
            f"campaign_id,ingresses,asserted\nCaaa,{';'.join(f't{i}' for i in range(101))},{PILOT}\n".encode(),
            0,
            "more than 100 items",
        ),
    ],
)
def test_campaigns_csv_is_read_as_the_api_reads_traits_or_warns(
    tmp_path: Path, name: str, data: bytes, read: int, warning: str | None
) -> None:
    f = read_verdicts_csv(_scan_folder(tmp_path, name, data))
    assert len(f.campaign_traits) == read
    if warning is None:
        assert f.trait_warnings == ()
        assert dict(f.campaign_traits) == {"Caaa": _traits(TRUNKS, PILOT)}
    else:
        assert len(f.trait_warnings) == 1 and warning in f.trait_warnings[0], f.trait_warnings


def test_the_import_counts_the_traits_read_and_passes_on_warnings(
    store: Store, tmp_path: Path
) -> None:
    r = store.import_verdicts_result(read_verdicts_csv(_scan_folder(tmp_path, "g", GOOD.encode())))
    assert r.traits_read == 1 and r.trait_warnings == ()
    assert _import_entry(store)["traits_read"] == 1
    bad = read_verdicts_csv(_scan_folder(tmp_path, "b", GOOD.encode("utf-16")))
    r = store.import_verdicts_result(bad)
    assert r.traits_read == 0 and "no campaign traits read" in r.trait_warnings[0]


# --- the audit of 79a65e9 -------------------------------------------------------------------


def _pairwise(  # type: ignore[no-untyped-def]
    fresh, stored, scan_day, elsewhere
):
    """79a65e9's match_by_traits, every pair compared: the reference the index must equal."""
    from callwarden.store import campaign_traits as ct

    pairs = sorted(
        (a, c) for a, t in fresh.items() for c, s in stored.items() if ct._matches(t, s.traits)
    )
    refused = []
    timely = []
    for a, c in pairs:
        day = stored[c].scan_day
        if ct.recent(day, scan_day):
            timely.append((a, c))
        else:
            code = ct.NO_SCAN_DAY if not scan_day else ct.TRAITS_NOT_RECENT
            refused.append(ct.Refusal(a, c, code, {"scan_day": scan_day, "traits_scan_day": day}))
    per_a: dict[str, int] = {}
    per_c: dict[str, int] = {}
    for a, c in timely:
        per_a[a] = per_a.get(a, 0) + 1
        per_c[c] = per_c.get(c, 0) + 1
    out = {}
    for a, c in timely:
        if per_a[a] > 1 or per_c[c] > 1:
            refused.append(
                ct.Refusal(a, c, ct.AMBIGUOUS, {"candidates": per_a[a], "claimants": per_c[c]})
            )
            continue
        other = {k: n for k, n in (elsewhere or {}).get(a, {}).items() if k != c and n}
        if other:
            refused.append(
                ct.Refusal(a, c, ct.MEMBERS_ELSEWHERE, {"shared": dict(sorted(other.items()))})
            )
            continue
        out[a] = ct.TraitMatch(
            a,
            c,
            tuple(sorted(fresh[a].ingresses)),
            tuple(sorted(fresh[a].asserted & stored[c].traits.asserted)),
            stored[c].scan_day,
        )
    return out, refused


@pytest.mark.parametrize("seed", range(40))
def test_indexed_matching_equals_every_pair_compared(seed: int) -> None:
    """Random small worlds (few trunk sets and PAIs, so shared sets, ambiguity, unusable
    traits, old days and members elsewhere all occur): the same matches and refusals, in
    the same order, as comparing every pair."""
    import random

    from callwarden.store.campaign_traits import StoredTraits, match_by_traits

    rnd = random.Random(seed)
    trunks = ["T1", "T2", "T3", "T4"]
    pais = ["+8640001", "+8640002", "+8640003", ""]

    def t() -> CampaignTraits:
        return CampaignTraits(
            frozenset(rnd.sample(trunks, rnd.randint(0, 2))),
            frozenset(p for p in rnd.sample(pais, rnd.randint(0, 2)) if p),
        )

    days = ["2026-11-01", "2026-11-02", "2026-11-03", ""]
    fresh = {f"N{k}": t() for k in range(rnd.randint(0, 12))}
    stored = {f"S{k}": StoredTraits(t(), rnd.choice(days)) for k in range(rnd.randint(0, 12))}
    elsewhere = {
        a: {c: rnd.randint(0, 3) for c in rnd.sample(sorted(stored), min(2, len(stored)))}
        for a in fresh
        if rnd.random() < 0.3
    }
    scan_day = rnd.choice(["2026-11-03", ""])
    assert match_by_traits(fresh, stored, scan_day, elsewhere) == _pairwise(
        fresh, stored, scan_day, elsewhere
    )


def test_matching_is_linear_in_the_campaigns(monkeypatch: pytest.MonkeyPatch) -> None:
    """2,000 new x 2,000 stored campaigns, each with its own trunks: one comparison each
    (every pair compared, 4 million, took 78 s at 10,000 x 10,000 under the import lock)."""
    from callwarden.store import campaign_traits as ct

    calls = 0
    real = ct._matches

    def counting(new: CampaignTraits, old: CampaignTraits) -> bool:
        nonlocal calls
        calls += 1
        return real(new, old)

    monkeypatch.setattr(ct, "_matches", counting)
    n = 2000
    fresh = {f"N{k}": _traits(f"TR{k}a;TR{k}b", f"+86400{k:06d}") for k in range(n)}
    stored = {
        f"S{k}": ct.StoredTraits(_traits(f"TR{k}a;TR{k}b", f"+86400{k:06d}"), "2026-11-01")
        for k in range(n)
    }
    matched, refused = ct.match_by_traits(fresh, stored, "2026-11-02", {})
    assert len(matched) == n and refused == []
    assert calls <= n


def test_one_stray_number_elsewhere_does_not_refuse_traits(store: Store) -> None:
    """The auditor's probe: day 2's renewing campaign holds 1 number of an unrelated stored
    campaign Cz (resold, or judged anew): under the member rule's own minimum (2), it says
    nothing, and the traits continue Cd1. Two numbers still refuse it."""
    other = _traits("U1", "+8640099")
    _import(
        store,
        "2026-11-01",
        {"Cd1": _members("1", 0, 10), "Cz1": _members("1", 500, 520)},
        {"Cd1": _traits(TRUNKS, PILOT), "Cz1": other},
    )
    r = _import(
        store,
        "2026-11-02",
        {
            "Cd2": _members("1", 7, 10) + _members("1", 100, 106) + _members("1", 500, 501),
            "Cz2": _members("1", 501, 521),
        },
        {"Cd2": _traits(TRUNKS, PILOT), "Cz2": other},
    )
    assert r.continued == {"Cz2": "Cz1", "Cd2": "Cd1"}
    assert _import_entry(store)["traits_refused"] == []


def test_two_numbers_elsewhere_still_refuse_traits(store: Store) -> None:
    _import(
        store,
        "2026-11-01",
        {"Cd1": _members("1", 0, 10), "Cz1": _members("1", 500, 520)},
        {"Cd1": _traits(TRUNKS, PILOT), "Cz1": _traits("U1", "+8640099")},
    )
    r = _import(
        store,
        "2026-11-02",
        {"Cd2": _members("1", 7, 10) + _members("1", 100, 106) + _members("1", 500, 502)},
        {"Cd2": _traits(TRUNKS, PILOT)},
    )
    assert r.continued == {}
    assert _import_entry(store)["traits_refused"] == [
        {
            "alias": "Cd2",
            "campaign": "Cd1",
            "reason": "members_in_another_campaign",
            "evidence": {"shared": {"Cz1": 2}},
        }
    ]


def test_traits_without_a_scan_day_are_said_unused(store: Store) -> None:
    """Traits with no scan day (none at all, or not YYYY-MM-DD) are neither compared nor
    recorded: the result and the import's entry say so; with a day, or without traits, not."""
    r = _import(
        store, "2026-11-02", {"Caaa": _members("1", 0, 10)}, {"Caaa": _traits(TRUNKS, PILOT)}
    )
    assert r.traits_unused == "" and _import_entry(store)["traits_unused"] is None
    for day in ("", "02/11/2026"):
        r = _import(store, day, {"Cbbb": _members("2", 0, 10)}, {"Cbbb": _traits(TRUNKS, PILOT)})
        assert r.traits_unused == "no scan day"
        assert _import_entry(store)["traits_unused"] == "no scan day"
    r = _import(store, "", {"Cccc": _members("3", 0, 10)})
    assert r.traits_unused == ""


def test_serve_s_start_line_counts_one_campaign_in_the_singular() -> None:
    from callwarden.cli.serve import describe_import
    from callwarden.store.verdict_import import ImportResult

    line = describe_import(ImportResult(3, [], 0, 1, traits_read=1), Path("v.csv"))
    assert line.endswith("; traits of 1 campaign read")
    line = describe_import(ImportResult(3, [], 0, 1, traits_read=2), Path("v.csv"))
    assert line.endswith("; traits of 2 campaigns read")
