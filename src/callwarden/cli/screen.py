"""Screening and text commands: screen, train-text, classify-text, cluster-scripts,
simulate-screening. Thin: read, call the screening core, write."""

from __future__ import annotations

import json
import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import typer

from callwarden.cli._paths import output_dir, output_file
from callwarden.cli._text_io import (
    CLASSIFY_COLUMNS,
    CLUSTER_COLUMNS,
    SCREEN_COLUMNS,
    TEXT_COLUMN_HELP,
    TEXT_MODEL_COLUMNS,
    _check_ids,
    _check_model_input,
    _check_screen_speakers,
    _check_some_text,
    _check_speakers,
    _check_turn_speakers,
    _json_cells,
    _labels,
    _read_table,
    _refuse_taken_columns,
    _screen_dialogue_texts,
    _table_out,
    _text_column,
    _truth_kinds,
    _warn_empty,
    _warn_no_speakers,
    _warn_untimed,
    _write_table,
)
from callwarden.errors import InputError


def register(app: typer.Typer) -> None:
    register_text(app)


def register_text(app: typer.Typer) -> None:
    @app.command("screen")
    def screen(
        transcripts: Path = typer.Option(
            ...,
            help="transcripts.jsonl: one call a line (or one JSON array of calls), each its "
            "own call_id and a start_time (else dates said are not checked; a warning counts "
            "them); turns with speaker (caller, callee or assistant; any case), text and times "
            "start_s, end_s (seconds; a warning when no turn has them or they look like "
            "milliseconds)",
        ),
        out: Path | None = typer.Option(
            None,
            help="CSV of verdicts (default: print them); .jsonl, .json or .parquet by the "
            "suffix; not the transcripts file, not Excel",
        ),
        scripts: Path | None = typer.Option(
            None, help="known campaign scripts, CSV with script_id,text[,category]"
        ),
        batch_scripts: bool = typer.Option(
            True, help="count a caller script heard on several calls of the file as evidence"
        ),
        evaluate: bool = typer.Option(
            False,
            help="compare with the truth field caller_kind (bot or human) and print catch "
            "rates, saying how many calls carry it",
        ),
        text_model: Path | None = typer.Option(
            None,
            help="model folder from train-text: add its label and score (text_label, "
            "text_score) after category_keywords; a model trained on turns reads each call's "
            "turns, one trained on plain text the caller's words (a model of turns trained on other "
            "speaker names than caller/callee is refused, as in classify-text)",
        ),
    ) -> None:
        """Judge each call bot / human / unsure from its transcript, with reasons.

        With --text-model, also a trained text classifier's prediction for each call."""
        import numpy as np
        import pandas as pd

        from callwarden.screening.io import read_transcripts
        from callwarden.screening.outcome import screen_calls
        from callwarden.screening.reasons import render
        from callwarden.screening.scripts import ScriptLibrary, cluster_scripts
        from callwarden.screening.transcript import Speaker

        if out is not None:
            _table_out(out, transcripts, "--transcripts")
        clf, text_input = None, "text"
        meta: dict[str, Any] = {}
        if text_model is not None:  # (a bad folder fails before any transcript is read)
            from callwarden.screening.io import load_model_and_meta, model_text_input

            clf, meta = load_model_and_meta(text_model)
            text_input = model_text_input(meta, text_model)
        other_keys: Counter[str] = Counter()
        trs = list(read_transcripts(transcripts, other_turn_keys=other_keys))
        _warn_untimed(trs, other_keys, transcripts)
        assistant_as_callee = False
        if text_model is not None and text_input == "turns":
            assistant_as_callee = _check_screen_speakers(trs, meta, text_model)
        library = None
        if scripts is not None:
            sdf = _read_table(scripts)
            for col in ("script_id", "text"):
                if col not in sdf.columns:
                    raise InputError(f"{scripts}: needs a {col!r} column")
            library = ScriptLibrary()
            cats = sdf["category"] if "category" in sdf.columns else [""] * len(sdf)
            library.extend(zip(sdf["script_id"], sdf["text"], cats, strict=True))
        # (the function POST /v1/screenings calls: the service judges a call as screen does)
        outcomes = screen_calls(trs, library=library, use_batch_scripts=batch_scripts)
        caller_texts = [t.text_of(Speaker.CALLER) for t in trs]
        clusters = cluster_scripts(caller_texts, 0.5, min_chars=30)
        sizes = pd.Series(clusters).map(pd.Series(clusters).value_counts())
        rows = []
        for tr, outcome, cl, size in zip(trs, outcomes, clusters, sizes, strict=True):
            res, cat = outcome.result, outcome.category
            rows.append(
                {
                    "call_id": res.call_id,
                    "caller": tr.caller,
                    "verdict": res.verdict.value,
                    "bot_score": res.bot_score,
                    "challenges": res.challenges,
                    "category": cat.category.value,
                    "category_keywords": "|".join(cat.matched),
                    "script_cluster": int(cl),
                    "script_cluster_calls": int(size),
                    "reasons": json.dumps(
                        [{"code": str(r.code), **dict(r.evidence)} for r in res.reasons],
                        ensure_ascii=False,
                    ),
                    "reasons_en": "; ".join(render(r, "en") for r in res.reasons),
                    "reasons_zh": "；".join(render(r, "zh") for r in res.reasons),
                }
            )
        df = pd.DataFrame(rows, columns=SCREEN_COLUMNS)  # (the header even with no call)
        if clf is not None:
            fed = (
                _screen_dialogue_texts(trs, assistant_as_callee)
                if text_input == "turns"
                else caller_texts
            )
            if text_input == "turns":
                words = [any(turn.text.strip() for turn in t.turns) for t in trs]
            else:
                words = [bool(t.strip()) for t in caller_texts]
            full = [i for i, w in enumerate(words) if w]
            label = np.full(len(trs), "", dtype=object)
            score = np.full(len(trs), np.nan)
            if full:  # (a call with no words gets no label, as in classify-text)
                lab, sc = clf.predict_with_score([fed[i] for i in full])
                label[full], score[full] = lab, sc.round(4)
            _warn_empty(len(trs) - len(full), len(trs), "no text_label (score blank)", "calls")
            at = SCREEN_COLUMNS.index("category_keywords") + 1
            df.insert(at, TEXT_MODEL_COLUMNS[0], label)
            df.insert(at + 1, TEXT_MODEL_COLUMNS[1], score)
        counts = df["verdict"].value_counts().to_dict() if len(df) else {}
        untimed = sum(not t.has_timing for t in trs)
        typer.echo(
            f"{len(df)} calls: "
            + ", ".join(f"{k} {counts.get(k, 0)}" for k in ("bot", "human", "unsure"))
            + (f"; {untimed} without turn times" if untimed else ""),
            err=out is None,
        )
        if evaluate:
            kinds = _truth_kinds(trs, transcripts, err=out is None)
            for kind in ("bot", "human"):
                sel = df[[k == kind for k in kinds]]
                if len(sel):
                    share = sel["verdict"].value_counts(normalize=True).to_dict()
                    typer.echo(
                        f"  true {kind}s: {len(sel)}; judged bot {share.get('bot', 0):.2%}"
                        f", human {share.get('human', 0):.2%}, unsure "
                        f"{share.get('unsure', 0):.2%}",
                        err=out is None,
                    )
        if out is None:
            df.to_csv(sys.stdout, index=False)
        else:
            _write_table(df, out)
            typer.echo(f"wrote {out}")

    @app.command("train-text")
    def train_text(
        input: Path = typer.Option(..., help="CSV, JSON lines or Parquet with texts and labels"),
        text_column: str = typer.Option(..., help=TEXT_COLUMN_HELP),
        label_column: str = typer.Option(
            ..., help="column with the label (trimmed: ' normal' and 'normal' are one label)"
        ),
        out: Path | None = typer.Option(None, help="model folder to write"),
        kind: str = typer.Option(
            "auto",
            help="auto (the default: joint for a column of dialogue turns, wordchar for plain "
            "texts, as held-out splits chose; meta.json records the kind fitted), wordchar "
            "(word+char n-grams and a linear SVM with class offsets), joint (wordchar's SVM "
            "scores read together by a logistic regression fitted on inner out-of-fold "
            "scores), baseline (char 1-3 SVM) or stacked (LightGBM on five SVMs' out-of-fold "
            "scores and 1,000 chi2 n-grams; a few times slower to fit)",
        ),
        missing_label: str | None = typer.Option(None, help="label for rows that have none"),
        cv: int = typer.Option(0, help="also report k-fold cross-validation (0: none)"),
        baseline: bool = typer.Option(
            False, help="with --cv: run the baseline on the same folds and print the ratio"
        ),
        exclude_from_macro: list[str] = typer.Option(
            [], help="with --cv: labels left out of the macro-F1 (e.g. normal)"
        ),
        report: Path | None = typer.Option(
            None, help="with --cv: write the CV report as JSON here"
        ),
        seed: int = typer.Option(0, help="fold shuffling and model seed"),
    ) -> None:
        """Train a text classifier (scripts, transcripts); optionally cross-validate it."""
        from callwarden.screening.io import save_model
        from callwarden.screening.textmodel import (
            MODEL_KINDS,
            TextClassifier,
            cross_validate,
            resolve_kind,
        )

        if kind != "auto" and kind not in MODEL_KINDS:
            raise InputError(f"--kind must be auto or one of {', '.join(MODEL_KINDS)}")
        if out is None and cv == 0:
            raise InputError("nothing to do: give --out, --cv or both")
        cv_only = [
            option
            for option, given in (
                ("--baseline", baseline),
                ("--report", report is not None),
                ("--exclude-from-macro", bool(exclude_from_macro)),
            )
            if given
        ]
        if cv_only and cv == 0:  # (they were ignored without a word)
            verb = "applies" if len(cv_only) == 1 else "apply"
            raise InputError(f"{' and '.join(cv_only)} {verb} to the cross-validation: give --cv")
        if out is not None:
            output_dir(out)
        if report is not None:
            output_file(report, "--report")
        df = _read_table(input)
        col = _text_column(df, text_column)
        texts, text_input = col.texts, col.text_input
        # (before the check, baseline gave a traceback and wordchar a model)
        _check_some_text(col, "learn", rows_needed=True)
        _check_turn_speakers(col)
        _warn_no_speakers(col)
        labels = _labels(df, label_column, missing_label)
        if len(set(labels)) < 2:
            raise InputError("need at least two distinct labels to train")
        if kind == "auto":
            kind = resolve_kind(kind, text_input)
            typer.echo(f"--kind auto: {kind} (the text column holds {text_input})", err=True)
        reports: dict[str, Any] = {}
        if cv:
            if cv < 2:
                raise InputError("--cv needs at least 2 folds")
            counts = Counter(labels)
            most = max(counts.values())
            if most < cv:  # StratifiedKFold needs a label with a row in every fold
                raise InputError(
                    f"--cv {cv}: too few rows per label for {cv} folds ({len(labels)} rows, "
                    f"the most common label has {most}); give more rows or fewer folds"
                )
            rare = sorted(lab for lab, n in counts.items() if n < cv)
            if rare:  # (said once here, instead of scikit-learn's warning from every fold split)
                typer.echo(
                    f"note: {len(rare)} label(s) have fewer rows than the {cv} folds "
                    f"({', '.join(f'{lab!r}: {counts[lab]}' for lab in rare[:5])}"
                    f"{', ...' if len(rare) > 5 else ''}): some folds test them with no or "
                    "few training rows, and their F1 is a rough figure",
                    err=True,
                )
            kinds = ["baseline", kind] if baseline and kind != "baseline" else [kind]
            for k in kinds:
                with warnings.catch_warnings():
                    warnings.filterwarnings(
                        "ignore", message="The least populated class", category=UserWarning
                    )
                    rep = cross_validate(
                        texts,
                        labels,
                        kind=k,
                        folds=cv,
                        seed=seed,
                        exclude_from_macro=[lab.strip() for lab in exclude_from_macro],
                    )
                reports[k] = rep.as_dict()
                typer.echo(
                    f"{k}: {cv}-fold macro-F1 over {len(rep.macro_labels)} labels "
                    f"{rep.macro_f1:.4f}, accuracy {rep.accuracy:.4f}"
                )
                if k == "stacked":
                    used = ", ".join(
                        "stacked" if s else "all SVM (a class too small)"
                        for s in rep.stacked_per_fold
                    )
                    typer.echo(f"  model in each training fold: {used}")
                elif k != "baseline":
                    picked = ", ".join(f"{c:g}" for c in rep.c_per_fold)
                    typer.echo(f"  SVM C picked inside each training fold: {picked}")
                    if k == "joint":  # (no offsets: the regression reads the scores)
                        typer.echo(
                            "  scores read by a logistic regression fitted on each training "
                            "fold's inner out-of-fold scores"
                        )
                    else:
                        rules = ", ".join(rep.offset_rule_per_fold)
                        typer.echo(f"  class offsets chosen inside each training fold: {rules}")
                for lab, f in rep.per_class_f1.items():
                    typer.echo(f"  {lab:<48} F1 {f:.4f}")
            if len(kinds) == 2:
                b, m = reports["baseline"]["macro_f1"], reports[kind]["macro_f1"]
                typer.echo(
                    f"{kind} / baseline macro-F1: {m / b:.4f}; error ratio "
                    f"{(1 - m) / max(1 - b, 1e-9):.3f}"
                )
            last = reports[kinds[-1]]
            typer.echo("confusion (rows true, columns predicted): " + ", ".join(last["labels"]))
            for lab, row in zip(last["labels"], last["confusion"], strict=True):
                typer.echo(f"  {lab[:24]:<24} " + " ".join(f"{v:5d}" for v in row))
            if report is not None:
                report.parent.mkdir(parents=True, exist_ok=True)
                report.write_text(
                    json.dumps(reports, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
                )
        if out is not None:
            model = TextClassifier(kind=kind, seed=seed).fit(texts, labels)
            save_model(
                model,
                out,
                extra={
                    "rows": len(texts),
                    "text_column": text_column,
                    "text_input": text_input,
                    "label_column": label_column,
                    # (classify-text checks the speakers of the turns it is given against
                    # these, [] for turns without speakers; a model of plain text has none)
                    **({"speakers": sorted(col.speakers)} if text_input == "turns" else {}),
                },
            )
            typer.echo(
                f"trained {kind} on {len(texts)} rows, {len(model.classes_)} labels; wrote {out}"
            )

    @app.command("classify-text")
    def classify_text(
        input: Path = typer.Option(..., help="CSV, JSON lines or Parquet with texts"),
        text_column: str = typer.Option(..., help=TEXT_COLUMN_HELP),
        model: Path = typer.Option(..., help="model folder from train-text"),
        out: Path = typer.Option(
            ...,
            help="output file, .csv, .jsonl, .json or .parquet by the suffix (not the input, "
            "not Excel): the input plus predicted and score (an input that has either "
            "column is refused)",
        ),
    ) -> None:
        """Add `predicted` and `score` columns from a trained text model.

        An input that already has either column is refused rather than overwritten.
        A row with no text gets no label. Turns whose speakers the model was not
        trained on (meta.json speakers) are refused when they are most of the
        turns, else a warning; a model folder that records no speakers (trained
        before they were recorded) gets warnings only."""
        import numpy as np

        from callwarden.screening.io import load_model_and_meta, model_text_input

        _table_out(out, input)
        clf, meta = load_model_and_meta(model)
        model_input = model_text_input(meta, model)
        df = _read_table(input)
        _refuse_taken_columns(df, CLASSIFY_COLUMNS, input, "classify-text")
        col = _text_column(df, text_column)
        # (every row was labelled as the model scores an empty text, exit 0)
        _check_some_text(col, "classify", rows_needed=False)
        _check_model_input(col, model_input, model)
        _check_turn_speakers(col)
        if model_input == "turns":
            _check_speakers(col, meta, model)
        _warn_no_speakers(col)
        # A row with no text gets no label (it was given the label the model gives an empty
        # text: "normal" at 0.56 for the cn texts' model).
        full = [i for i, e in enumerate(col.empty) if not e]
        pred = np.full(len(df), "", dtype=object)
        score = np.full(len(df), np.nan)
        if full:
            p, s = clf.predict_with_score([col.texts[i] for i in full])
            pred[full], score[full] = p, s.round(4)
        _warn_empty(
            len(df) - len(full), len(df), "left without a label (predicted empty, score blank)"
        )
        df = df.copy()
        df["predicted"] = pred
        df["score"] = score
        _write_table(_json_cells(df, out), out)
        typer.echo(f"classified {len(df)} rows; wrote {out}")

    @app.command(
        "cluster-scripts",
        help="Group texts that play the same script into clusters (campaigns) for analysts. "
        "Texts of 12 or more characters after normalisation (case, spaces, punctuation and "
        "digit runs folded) are compared by n-grams; a shorter one has too few n-grams for a "
        "similarity to mean anything, so it joins only texts that are the same as it after "
        "normalisation (a short near-duplicate stays apart).",
    )
    def cluster_scripts_cmd(
        input: Path = typer.Option(..., help="CSV, JSON lines or Parquet with texts"),
        text_column: str = typer.Option(..., help="column with the transcript or script text"),
        id_column: str = typer.Option(..., help="column that identifies each row"),
        out: Path = typer.Option(
            ...,
            help="output file, .csv, .jsonl, .json or .parquet by the suffix (not the input, "
            "not Excel): the input plus cluster and cluster_size (an input that has either "
            "column is refused)",
        ),
        threshold: float = typer.Option(0.5, help="Jaccard similarity of n-gram sets to join"),
        words: bool = typer.Option(False, help="compare jieba word bigrams, not characters"),
    ) -> None:
        """Group texts that play the same script into clusters (campaigns) for analysts.

        Writes the input with a `cluster` column (and `cluster_size`, the texts in the
        row's cluster) added; an input that already has either column is refused."""
        from callwarden.screening.scripts import cluster_scripts

        if not 0.0 < threshold <= 1.0:
            raise InputError("--threshold must be in (0, 1]")
        _table_out(out, input)
        df = _read_table(input)
        if id_column not in df.columns:
            raise InputError(f"no id column {id_column!r}")
        _refuse_taken_columns(df, CLUSTER_COLUMNS, input, "cluster-scripts")
        _check_ids(df[id_column].tolist(), id_column)
        col = _text_column(df, text_column)
        texts = col.texts
        # (every row was its own cluster of one, exit 0)
        _check_some_text(col, "cluster", rows_needed=False)
        labels = cluster_scripts(
            texts, threshold, mode="word" if words else "char", short_duplicates=True
        )
        res = df.copy()  # the analyst keeps every column of the input beside its cluster
        res["cluster"] = labels
        res["cluster_size"] = res["cluster"].map(res["cluster"].value_counts())
        _write_table(_json_cells(res, out), out)
        big = int((res.drop_duplicates("cluster")["cluster_size"] > 1).sum())
        typer.echo(
            f"{len(res)} texts, {res['cluster'].nunique()} clusters ({big} with more "
            f"than one text); wrote {out}"
        )

    @app.command("simulate-screening")
    def simulate_screening_cmd(
        out: Path = typer.Option(..., help="transcripts.jsonl to write"),
        calls: int = typer.Option(2000, help="number of screened calls"),
        seed: int = typer.Option(0, help="random seed"),
        bot_share: float = typer.Option(0.5, help="share of calls from bot campaigns"),
        campaigns: int = typer.Option(60, help="number of bot campaigns"),
        agent_share: float | None = typer.Option(
            None,
            help="share of bot campaigns that are LLM-style agents (default: the simulator's "
            "1.5%; 0.3 is the stress test of docs/screening.md)",
        ),
        tricks: int = typer.Option(
            2,
            help="trick challenges the assistant may add after a right answer: 0 none, "
            "1 or 2 (say a number backwards, a nonsense question)",
        ),
    ) -> None:
        """Simulate calls screened by a call assistant that challenges bots and people."""
        from callwarden.sim.screening import (
            DEFAULT_AGENT_SHARE,
            simulate_screening,
            write_jsonl,
        )

        if calls < 1 or not 0.0 <= bot_share <= 1.0:
            raise InputError("--calls must be positive and --bot-share in [0, 1]")
        if agent_share is not None and not 0.0 <= agent_share <= 1.0:
            raise InputError("--agent-share must be in [0, 1]")
        if tricks not in (0, 1, 2):
            raise InputError("--tricks must be 0, 1 or 2")
        output_file(out)
        recs = simulate_screening(
            calls,
            seed=seed,
            bot_share=bot_share,
            n_campaigns=campaigns,
            agent_share=DEFAULT_AGENT_SHARE if agent_share is None else agent_share,
            tricks=tricks,
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        write_jsonl(recs, out)
        typer.echo(f"wrote {len(recs)} screened calls to {out}")
