"""Router speed on one core: questions routed per second over the labelled set (`make bench`)."""
from __future__ import annotations

import csv
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kcc.content.domains import load_dir  # noqa: E402
from kcc.content.router import Router  # noqa: E402


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the goal says
    specs, problems = load_dir(ROOT / "domains")
    assert not problems, problems
    with (ROOT / "tests/data/route_eval.csv").open(encoding="utf-8") as handle:
        questions = [row["question"] for row in csv.DictReader(handle)]
    started = time.perf_counter()
    router = Router.from_specs(specs)
    built = time.perf_counter() - started
    started = time.perf_counter()
    for question in questions:
        router.route(question)
    cold = len(questions) / (time.perf_counter() - started)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < 5:
        for question in questions:
            router.route(question)
        count += len(questions)
    warm = count / (time.perf_counter() - started)
    # questions never seen before: every word goes through stemming, compounds and typo matching
    fresh = [f"{q} {i}x{i}" for i, q in enumerate(questions * 5)]
    unseen = [q.replace("a", "aa", 1) + f" woord{i}" for i, q in enumerate(fresh)]
    started = time.perf_counter()
    for question in unseen:
        router.route(question)
    new_words = len(unseen) / (time.perf_counter() - started)
    print(f"\n== router on one core ({platform.processor() or platform.machine()}, Python {platform.python_version()})")
    print(f"index built in {built * 1000:.0f} ms over {len(router.topics)} topics")
    print(f"first pass over {len(questions)} labelled questions: {cold:,.0f} questions/s")
    print(f"repeated passes (word cache warm): {warm:,.0f} questions/s")
    print(f"{len(unseen)} questions with unseen words: {new_words:,.0f} questions/s (goal ≥ 2,000)")


if __name__ == "__main__":
    main()
