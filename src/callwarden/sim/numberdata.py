"""Builds the simulator's number-plan tables from ``phonenumbers`` metadata (run once, shipped).

``python -m callwarden.sim.numberdata`` rewrites ``data/mobile_blocks.csv`` (7-digit mobile
prefixes H0H1H2H3 with their carrier and 归属地) and ``data/fixed_areas.csv`` (area codes, local
number length, leading digits that ``phonenumbers`` accepts). The simulator reads only the CSVs,
so a run never pays for 700k geocoder look-ups.
"""

from __future__ import annotations

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

#: The simulated carrier's province; every block in it is kept, elsewhere a few per city.
HOME_PROVINCE = "湖南省"
OTHER_PER_CITY = 2

#: Three-digit mobile prefixes by operator (public numbering plan).
MOBILE_PREFIXES: dict[str, tuple[int, ...]] = {
    "cmcc": (
        134,
        135,
        136,
        137,
        138,
        139,
        147,
        150,
        151,
        152,
        157,
        158,
        159,
        178,
        182,
        183,
        184,
        187,
        188,
        198,
    ),
    "cucc": (130, 131, 132, 145, 155, 156, 166, 175, 176, 185, 186),
    "ctcc": (133, 149, 153, 173, 177, 180, 181, 189, 191, 199),
}

#: Area codes used: the home province's cities and the cities robocall operations display.
AREA_CODES: tuple[str, ...] = (
    "731",
    "730",
    "734",
    "735",
    "736",
    "737",
    "738",
    "739",
    "743",
    "744",
    "745",
    "746",
    "10",
    "20",
    "21",
    "22",
    "23",
    "25",
    "27",
    "28",
    "29",
    "571",
    "755",
    "512",
    "592",
    "769",
)


def build() -> None:  # pragma: no cover - one-off generator, output is committed
    import phonenumbers as pn
    from phonenumbers import geocoder

    DATA_DIR.mkdir(exist_ok=True)
    rows: list[tuple[str, str, str]] = []
    seen_other: dict[tuple[str, str], int] = {}
    for op, prefixes in MOBILE_PREFIXES.items():
        for p3 in prefixes:
            for h in range(10_000):
                prefix = f"{p3}{h:04d}"
                region = geocoder.description_for_number(pn.parse(f"+86{prefix}0000"), "zh")
                if not region or region == "中国":
                    continue
                if not region.startswith(HOME_PROVINCE):
                    key = (region, op)
                    if seen_other.get(key, 0) >= OTHER_PER_CITY:
                        continue
                    seen_other[key] = seen_other.get(key, 0) + 1
                rows.append((prefix, op, region))
    with (DATA_DIR / "mobile_blocks.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["prefix", "operator", "region"])
        w.writerows(rows)
    areas: list[tuple[str, int, str, str]] = []
    for ac in AREA_CODES:
        for length in (8, 7):
            leads = "".join(
                d
                for d in "23456789"
                if pn.is_valid_number(pn.parse(f"+86{ac}{d}{'3' * (length - 1)}"))
            )
            if leads:
                region = geocoder.description_for_number(
                    pn.parse(f"+86{ac}{leads[0]}{'3' * (length - 1)}"), "zh"
                )
                areas.append((ac, length, leads, region))
                break
    with (DATA_DIR / "fixed_areas.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["area_code", "local_digits", "lead_digits", "region"])
        w.writerows(areas)


if __name__ == "__main__":  # pragma: no cover
    build()
