"""The router on the frozen evaluation sets (tests/data/routing/README.md): written before the router was changed
for them and never tuned on. These figures are the router's promise; each test fails below it."""
from __future__ import annotations

import pytest

from kcc.content.evaluation import evaluate, load_labelled
from kcc.content.model import Model
from kcc.content.router import Router
from tests.conftest import ROOT

SETS = ROOT / "tests" / "data" / "routing"
FROZEN = ("citizen_web.csv", "citizen_phone.csv", "long.csv", "formal.csv", "cross.csv")


@pytest.fixture(scope="module")
def router(specs, router_model):
    """The router as production runs it, with the model `kcc route train` makes (tests/conftest.py)."""
    return Router.from_specs(specs, model=Model.load(router_model))


def _rows(router, *names):
    domains = {t.domain for t in router.topics}
    topics = {(t.domain, t.topic) for t in router.topics}
    return [row for name in names for row in load_labelled(SETS / name, domains, topics, keep_unknown_topics=True)]


def test_the_frozen_sets_are_what_the_readme_says():
    rows = {name: len(load_labelled(SETS / name, {"burgerzaken", "vergunningen", "sociaal", "algemeen"}, set(), True))
            for name in FROZEN}
    assert rows["citizen_web.csv"] + rows["citizen_phone.csv"] >= 300 and rows["long.csv"] >= 60
    assert rows["formal.csv"] >= 60 and rows["cross.csv"] >= 60, rows


def test_domain_accuracy_on_all_frozen_sets_together(router):
    report = evaluate(router, _rows(router, *FROZEN))
    assert report.domain_accuracy >= 0.92, f"{report.domain_accuracy:.1%}"
    for domain, (correct, total) in report.per_domain.items():
        assert correct / total >= 0.88, f"{domain}: {correct}/{total}"


@pytest.mark.parametrize("name", ["long.csv", "cross.csv"])
def test_long_messages_and_misleading_situations(router, name):
    report = evaluate(router, _rows(router, name))
    assert report.domain_accuracy >= 0.85, f"{name}: {report.domain_accuracy:.1%}"
