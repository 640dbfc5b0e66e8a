"""Session 23's transcribe-audio audit, the low findings (session 24): a recognition in
another language than ``--language`` was written without a word; ``--recogniser``'s module
was imported with the current folder first on the path, so a stray module there could stand
in for one of callwarden's libraries; a factory returning None got three generic problems.

The recordings are noise: these stand-in recognisers say "hello" whatever they hear
(``tests/screening/stand_in_recogniser.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner, Result

import callwarden
from callwarden.cli.main import app
from callwarden.screening.audio import Recognition
from callwarden.screening.transcript import Speaker

STAND_IN = "tests.screening.stand_in_recogniser"


@pytest.fixture(scope="module")
def wavs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("leftovers")
    rng = np.random.default_rng(0)
    mono = (0.1 * rng.standard_normal(8000)).astype(np.float32)
    sf.write(folder / "mono.wav", mono, 8000)
    sf.write(folder / "stereo.wav", np.stack([mono, mono[::-1]], axis=1), 8000)
    calls = folder / "calls"
    calls.mkdir()
    for k in range(3):
        sf.write(calls / f"c{k}.wav", mono, 8000)
    return {"mono": folder / "mono.wav", "stereo": folder / "stereo.wav", "dir": calls}


def _transcribe(out: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["transcribe-audio", "--out", str(out), *args])


def _records(out: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]


# -- another language --------------------------------------------------------------------


def test_primary_language_reads_a_code_as_its_language() -> None:
    from callwarden.screening.audio import primary_language

    for code in ("zh", "ZH", "zh-CN", "zh_Hans", "cmn", "zho"):
        assert primary_language(code) == "zh", code
    assert primary_language("en-US") == "en"
    assert primary_language("yue") == "yue"  # (Cantonese is not read as zh)


def test_other_languages_names_the_legs_that_differ() -> None:
    from callwarden.screening.audio import other_languages

    def rec(lang: str) -> Recognition:
        return Recognition("hello", lang)

    legs = [(Speaker.CALLER, rec("en")), (Speaker.ASSISTANT, rec("zh-CN"))]
    assert other_languages(legs, "zh") == {"caller": "en"}
    assert other_languages(legs, "en") == {"assistant": "zh-CN"}
    assert other_languages([(Speaker.CALLER, rec(""))], "zh") == {}  # nothing recognised


def test_chinese_varieties_undetermined_and_names_are_no_other_language() -> None:
    """Audit 24 L2: with --language zh, yue/wuu/nan (Chinese characters to screen), und (no
    language determined) and the name 'Chinese' were warned as another language; 'english'
    under en too. A name in any case is its language; a different language still differs."""
    from callwarden.screening.audio import other_languages, screened_language

    def legs(lang: str) -> list[tuple[Speaker, Recognition]]:
        return [(Speaker.CALLER, Recognition("hello", lang))]

    for lang in ("yue", "wuu", "nan", "zh-yue", "und", "zxx", "Chinese", "MANDARIN", "cmn"):
        assert other_languages(legs(lang), "zh") == {}, lang
    for lang in ("english", "English", "en-GB", "und"):
        assert other_languages(legs(lang), "en") == {}, lang
    assert other_languages(legs("yue"), "en") == {"caller": "yue"}
    assert other_languages(legs("Chinese"), "en") == {"caller": "Chinese"}
    assert other_languages(legs("ja"), "zh") == {"caller": "ja"}
    assert screened_language("und") is None and screened_language("fr-FR") == "fr"


@pytest.mark.parametrize(
    ("recogniser", "language", "said"),
    [("SaysEnglish", "zh", "en"), ("SaysChinese", "en", "zh")],
)
def test_a_recognition_in_another_language_is_warned_counted_and_marked(
    wavs: dict[str, Path], tmp_path: Path, recogniser: str, language: str, said: str
) -> None:
    """Asked for zh, the recogniser says it heard en (or the reverse): each file is warned
    about, the summary counts them, and each record says so (it was written without a
    word). The turns stay as recognised: a zh batch may hold an English robocall."""
    out = tmp_path / "t.jsonl"
    res = _transcribe(
        out,
        "--input",
        str(wavs["dir"]),
        "--language",
        language,
        "--recogniser",
        f"{STAND_IN}:{recogniser}",
    )
    assert res.exit_code == 0, res.output
    warnings = [x for x in res.output.splitlines() if x.startswith("warning: ")]
    assert len(warnings) == 3, res.output
    assert f"reports {said!r}, not --language {language!r}" in warnings[0]
    assert "not among its languages" not in warnings[0]  # (it claims both)
    assert f"3 recognised in another language than --language {language} ({said} 3)" in (res.output)
    records = _records(out)
    assert [r["other_language"] for r in records] == [{"caller": said}] * 3
    assert all(r["turns"][0]["text"] == "hello" for r in records)


def test_the_asked_language_in_another_spelling_is_no_warning(
    wavs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "t.jsonl"
    for name in ("SaysZhCN", "SaysNothing"):
        res = _transcribe(
            out, "--input", str(wavs["mono"]), "--language", "zh", "--recogniser",
            f"{STAND_IN}:{name}",
        )  # fmt: skip
        assert res.exit_code == 0, res.output
        assert "warning" not in res.output and "another language" not in res.output
        assert "other_language" not in _records(out)[0]


def test_a_language_the_recogniser_does_not_claim_is_named_per_leg(
    wavs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "t.jsonl"
    res = _transcribe(
        out, "--input", str(wavs["stereo"]), "--language", "zh", "--channels", "caller-left",
        "--recogniser", f"{STAND_IN}:SaysFrench",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    (warning,) = [x for x in res.output.splitlines() if x.startswith("warning: ")]
    assert "reports 'fr' on the caller leg, 'fr' on the assistant leg, not --language 'zh'" in (
        warning
    )
    assert "'fr' is not among its languages (en, zh)" in warning
    assert _records(out)[0]["other_language"] == {"caller": "fr", "assistant": "fr"}


# -- a factory that returns None -----------------------------------------------------------


def _one_error_line(res: Result, out: Path, expected: str) -> None:
    assert res.exit_code == 2 and not out.exists(), res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert expected in lines[0], lines[0]


def test_a_factory_returning_none_is_one_line_saying_so(
    wavs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "t.jsonl"
    spec = f"{STAND_IN}:returns_none"
    res = _transcribe(out, "--input", str(wavs["mono"]), "--recogniser", spec)
    _one_error_line(res, out, f"--recogniser {spec}: returns_none() returned None, not a")
    assert "no name" not in res.output  # (the three generic problems, before)
    res = _transcribe(out, "--input", str(wavs["mono"]), "--recogniser", f"{STAND_IN}:returns_text")
    _one_error_line(res, out, "returns_text() returned a str: no name")


# -- the recogniser's module and the current folder ------------------------------------------

_ASR = """
from callwarden.screening.audio import Recognition, Segment
{imports}

class CarrierASR:
    name = "carrier-asr"
    languages = frozenset({{"en"}})

    def transcribe(self, samples, sample_rate, language=None):
        return Recognition("hello", "en", (Segment(0.1, 0.5, "hello"),), 0.9, self.name)
"""


def test_a_stray_module_in_the_current_folder_does_not_stand_in_for_a_library(
    wavs: dict[str, Path], tmp_path: Path
) -> None:
    """The carrier's my_asr.py imports soundfile and its own helper beside it; the folder
    also holds a soundfile.py of its own. The folder was put first on the path for the
    import, so the stray one was imported (and callwarden read audio with it). Run as the
    installed command runs (a fresh interpreter, no current folder on the path)."""
    (tmp_path / "soundfile.py").write_text('raise ImportError("the stray soundfile.py")\n')
    (tmp_path / "asr_helpers.py").write_text("WORD = 'hello'\n")
    (tmp_path / "my_asr.py").write_text(
        _ASR.format(imports="import soundfile  # noqa\nimport asr_helpers  # noqa")
    )
    src = str(Path(callwarden.__file__).parents[1])  # (the callwarden under test)
    paths = [src, *os.environ.get("PYTHONPATH", "").split(os.pathsep)]
    # (an empty entry would put the current folder on the path: the case is its absence)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    script = (
        "import sys; sys.path = [p for p in sys.path if p not in ('', '.')]; "
        "from callwarden.cli.main import main; sys.argv[0] = 'callwarden'; main()"
    )
    args = ["transcribe-audio", "--input", str(wavs["mono"]), "--out", "t.jsonl"]
    done = subprocess.run(
        [sys.executable, "-c", script, *args, "--recogniser", "my_asr:CarrierASR"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert _records(tmp_path / "t.jsonl")[0]["recogniser"] == "carrier-asr"


@pytest.mark.parametrize("name", ["soundfile", "json", "numpy"])
def test_a_module_of_ones_own_named_as_a_library_is_refused(
    wavs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """``--recogniser numpy:CarrierASR`` with a numpy.py in the current folder imported the
    installed numpy ("has no 'CarrierASR'"), or, not yet imported, would have replaced it."""
    (tmp_path / f"{name}.py").write_text(_ASR.format(imports=""))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "t.jsonl"
    res = _transcribe(out, "--input", str(wavs["mono"]), "--recogniser", f"{name}:CarrierASR")
    _one_error_line(res, out, f"{name}.py in the current folder has the name of the module")
    assert "rename yours" in res.output


def test_a_module_of_ones_own_in_the_current_folder_is_imported(
    wavs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "leftovers_asr.py").write_text(_ASR.format(imports=""))
    monkeypatch.chdir(tmp_path)
    path_before = list(sys.path)
    out = tmp_path / "t.jsonl"
    res = _transcribe(out, "--input", str(wavs["mono"]), "--recogniser", "leftovers_asr:CarrierASR")
    assert res.exit_code == 0, res.output
    assert _records(out)[0]["recogniser"] == "carrier-asr"
    assert sys.path == path_before  # (the folder was on it for the import only)


@pytest.mark.parametrize("module", ["my_asr.py", "./my_asr", ".my_asr", "ABS", "sub\\my_asr"])
def test_a_path_for_the_recogniser_module_is_refused_before_importing(
    wavs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str
) -> None:
    """Audit 24 L3: my_asr.py:CarrierASR ran the file, then failed "'my_asr' is not a
    package"; ./my_asr:X, .my_asr:X and an absolute path gave unhelpful import errors. Now
    one line saying to give the module's name, and nothing is imported."""
    ran = tmp_path / "ran"
    (tmp_path / "my_asr.py").write_text(
        f"open({str(ran)!r}, 'w').close()\n" + _ASR.format(imports="")
    )
    monkeypatch.chdir(tmp_path)
    if module == "ABS":
        module = str(tmp_path / "my_asr")
    out = tmp_path / "t.jsonl"
    res = _transcribe(out, "--input", str(wavs["mono"]), "--recogniser", f"{module}:CarrierASR")
    _one_error_line(res, out, "give the module's name, not a path or file name: my_asr:")
    assert not ran.exists()
