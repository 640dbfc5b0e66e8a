import random

import numpy as np

from callwarden.screening.scripts import (
    ScriptLibrary,
    cluster_scripts,
    normalise,
    script_signatures,
)

A = "您好，这里是平安保险，我们最近有一款百万医疗险活动，每个月只要十九元，住院医疗费用都可以报销。"
B = "家长您好，我这边是学而思教育的课程顾问，我们现在有名师一对一的免费试听课，数学英语都可以报名。"
C = "Hi, this is Apex funding, you have been pre-approved for a business loan of up to fifty thousand."


def _edit(text: str, rng: random.Random, n: int) -> str:
    chars = list(text)
    for _ in range(n):
        i = rng.randrange(len(chars))
        chars[i] = rng.choice("的了是在我有他这中大")
    return "".join(chars)


def test_normalise_folds_case_punctuation_and_digits() -> None:
    assert normalise("Hello, World! 123元") == "helloworld0元"


def test_signatures_are_deterministic() -> None:
    a = script_signatures([A, B], num_perm=64)
    assert a.shape == (2, 64) and a.dtype == np.uint64
    assert np.array_equal(a, script_signatures([A, B], num_perm=64))


def test_near_duplicates_with_small_edits_cluster_together() -> None:
    rng = random.Random(7)
    texts = [
        A,
        _edit(A, rng, 2),
        _edit(A, rng, 3),
        A.replace("十九", "二十九"),
        B,
        _edit(B, rng, 2),
        C,
        C.replace("Apex", "Summit").replace("fifty", "sixty"),
    ]
    labels = cluster_scripts(texts, 0.5)
    assert len(set(labels[:4])) == 1
    assert labels[4] == labels[5] != labels[0]
    assert labels[6] == labels[7] not in {labels[0], labels[4]}


def test_short_texts_stay_apart() -> None:
    labels = cluster_scripts(["喂？", "喂？", A], 0.5)
    assert labels[0] != labels[1]


def test_word_mode_clusters_too() -> None:
    labels = cluster_scripts([A, A.replace("平安", "泰康"), B], 0.4, mode="word")
    assert labels[0] == labels[1] != labels[2]


def test_library_finds_a_part_of_a_script() -> None:
    lib = ScriptLibrary()
    lib.add("edu-1", B, "education")
    lib.add("ins-1", A, "insurance")
    m = lib.match(A[:30] + "。")
    assert m is not None and m.script_id == "ins-1" and m.category == "insurance"
    assert lib.match("今天天气很好，我们去公园散步吧，顺便买点水果回家。") is None


def test_near_duplicate_counts_do_not_chain() -> None:
    from callwarden.screening.scripts import near_duplicate_counts

    rng = random.Random(3)
    texts = [_edit(A, rng, 1) for _ in range(5)] + [B, _edit(B, rng, 1)] + [C, "喂？"]
    counts = near_duplicate_counts(texts, 0.5, min_chars=20)
    assert counts[:5].tolist() == [5] * 5
    assert counts[5:7].tolist() == [2, 2]
    assert counts[7:].tolist() == [1, 1]


def test_library_match_among_equal_scripts_is_the_same_in_every_process() -> None:
    """Equally similar known scripts: the smallest id wins, whatever the hash seed (the
    candidates were a set of strings, so the winner changed from process to process)."""
    import os
    import subprocess
    import sys

    code = (
        "from callwarden.screening.scripts import ScriptLibrary\n"
        "lib = ScriptLibrary()\n"
        "text = '您好，这里是平安保险客服中心。您的保单即将到期，请按一键办理续保手续。'\n"
        "for sid in ['script-e', 'script-c', 'script-a', 'script-d', 'script-b']:\n"
        "    lib.add(sid, text, 'insurance' if sid < 'script-c' else 'loans')\n"
        "m = lib.match(text)\n"
        "print(m.script_id, m.category)\n"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout.strip()
        for seed in range(1, 7)
    }  # fmt: skip
    assert outs == {"script-a insurance"}
