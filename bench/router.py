"""The router on one core: training time, questions routed per second, and — with --tune — the model weight
and triage threshold chosen on the development set (`make bench`; `python -m bench.router --tune`)."""
from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kcc.content import training  # noqa: E402
from kcc.content import words as words_module  # noqa: E402
from kcc.content.domains import load_dir  # noqa: E402
from kcc.content.evaluation import evaluate, load_labelled  # noqa: E402
from kcc.content.router import Router  # noqa: E402

SETS = ROOT / "tests" / "data" / "routing"
DEV = SETS / "dev.csv"


def _questions() -> list[str]:
    files = [*sorted(SETS.glob("*.csv")), *sorted((ROOT / "domains" / "examples").glob("*.csv"))]
    questions = []
    for path in files:
        with path.open(encoding="utf-8") as handle:
            questions += [row["question"] for row in csv.DictReader(handle)]
    return questions


def tune(router: Router) -> None:
    """Accuracy and triage share on the development set for each model weight and threshold."""
    domains, topics = {t.domain for t in router.topics}, {(t.domain, t.topic) for t in router.topics}
    rows = load_labelled(DEV, domains, topics, keep_unknown_topics=True)
    print(f"\n== tuning on {DEV.relative_to(ROOT)} ({len(rows)} questions): domain accuracy / to triage")
    thresholds = (0.0, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)
    print("weight " + "".join(f"   thr {t:.2f}   " for t in thresholds))
    for weight in (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 1.0):
        router.model_weight = weight
        cells = []
        for threshold in thresholds:
            router.threshold = threshold
            report = evaluate(router, rows)
            cells.append(f"{report.domain_accuracy:6.1%} / {report.fallbacks:3d} ")
        print(f"{weight:5.1f}  " + " ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tune", action="store_true", help="print the grid of weight × threshold on dev.csv")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the goal says
    specs, problems = load_dir(ROOT / "domains")
    assert not problems, problems
    with tempfile.TemporaryDirectory() as folder:
        trained = training.train_artefact(specs, ROOT / "domains", Path(folder) / "router-model.npz")
    started = time.perf_counter()
    router = Router.from_specs(specs, model=trained.model)
    built = time.perf_counter() - started
    questions = _questions()
    started = time.perf_counter()
    for question in questions:
        router.route(question)
    cold = len(questions) / (time.perf_counter() - started)
    # a router that has run a while: every question new to it (no text cached), its words mostly met before
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < 5:
        words_module._normalised.cache_clear()  # the text as new; its words as known
        for question in questions:
            router.route(question)
        count += len(questions)
    steady = count / (time.perf_counter() - started)
    # each question with a misspelt word and two tokens never seen (a case number, a code): every one of them goes
    # through stemming, compound splitting, typo matching and the model's letter n-grams for the first time
    unseen = [q.replace("a", "aa", 1) + f" woord{i} {i}x{i}" for i, q in enumerate(questions * 2)]
    started = time.perf_counter()
    for question in unseen:
        router.route(question)
    new_words = len(unseen) / (time.perf_counter() - started)
    words = sorted(len(q.split()) for q in questions)
    print(f"\n== router on one core ({platform.processor() or platform.machine()}, Python {platform.python_version()})")
    print(f"model trained in {trained.seconds:.1f} s (goal < 60 s): {trained.from_topics} content phrases, "
          f"{trained.from_questions} example questions, {len(trained.model.classes)} topics")
    print(f"router built in {built * 1000:.0f} ms over {len(router.topics)} topics (rules and model)")
    print(f"{len(questions)} questions of every set (median {words[len(words) // 2]} words, longest {words[-1]})")
    print(f"first pass, every word new to the process: {cold:,.0f} questions/s")
    print(f"new questions of words met before (a router that has run a while): {steady:,.0f} questions/s "
          f"(goal ≥ 2,000)")
    print(f"{len(unseen)} questions each with three words never seen: {new_words:,.0f} questions/s")
    if args.tune:
        tune(router)


if __name__ == "__main__":
    main()
