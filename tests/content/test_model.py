"""The router's learned model: trained deterministically, kept with a checksum, read without scikit-learn with
the same answers, never an error when it is missing, stale or damaged, and taught by confirmed corrections."""
from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from kcc.content import training
from kcc.content.model import Example, Model, char_features, char_matrix, load_artefact, train, word_features
from kcc.content.router import Router
from tests.conftest import DOMAINS


@pytest.fixture(scope="module")
def trained(specs, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "router-model.npz"
    return training.train_artefact(specs, DOMAINS, path), path


def test_training_is_deterministic_and_kept_with_its_checksum(specs, trained, tmp_path):
    first, path = trained
    again = training.train_artefact(specs, DOMAINS, tmp_path / "again.npz")
    assert again.checksum == first.checksum  # the same content gives the same bytes
    meta = (path.parent / "router-model.npz.json").read_text()
    assert first.checksum in meta and training.content_of(specs) in meta
    assert first.seconds < 60 and first.from_questions >= 400


def test_the_kept_model_answers_as_scikit_learn_does(specs, trained):
    """The router adds up the kept weights itself, a word at a time (fast, one question at a time): the same
    probabilities as the library's regression on the features as training builds them, many texts at once."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from kcc.content import model as module

    examples = training.topic_examples(specs)[:600]
    texts, labels = [e.text for e in examples], [e.label for e in examples]
    word = TfidfVectorizer(analyzer=word_features, binary=True)
    char = TfidfVectorizer(analyzer=char_features, binary=True, min_df=2).fit(texts)
    letters = {str(f): int(i) for f, i in char.vocabulary_.items()}

    def features(batch):
        return hstack([word.transform(batch), module.CHAR_WEIGHT * char_matrix(batch, letters, char.idf_)]).tocsr()

    matrix = hstack([word.fit_transform(texts), module.CHAR_WEIGHT * char_matrix(texts, letters, char.idf_)]).tocsr()
    regression = LogisticRegression(C=module.C, max_iter=3000).fit(matrix, labels)
    ours = train(examples, "v")
    questions = ["mijn paspoort is verlopen", "kliko niet geleegd", "dakkapel bouwen mag dat", "qwxz", "",
                 "paspoort paspoort en nog eens het paspoort van mijn paspoortloze zoon"]  # repeated words
    expected = regression.predict_proba(features(questions))
    for question, probabilities in zip(questions, expected, strict=True):
        assert np.allclose(ours.probabilities(question), probabilities, atol=1e-6), question


def test_a_saved_model_loads_with_the_same_answers(trained):
    first, path = trained
    loaded = Model.load(path)
    for question in ("ik wil mijn rijbewijs verlengen", "boom kappen in de achtertuin"):
        assert np.allclose(loaded.probabilities(question), first.model.probabilities(question), atol=1e-5)


def test_a_missing_damaged_or_stale_model_leaves_the_rules_with_a_warning(specs, trained, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    assert load_artefact(tmp_path / "nothing.npz") is None
    assert "no trained model" in caplog.text
    _, path = trained
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    (tmp_path / "damaged.npz.json").write_text((path.parent / "router-model.npz.json").read_text())
    assert load_artefact(damaged) is None
    assert "checksum does not match" in caplog.text
    older = tmp_path / "older.npz"  # trained by a kcc whose features were defined otherwise
    older.write_bytes(path.read_bytes())
    meta = json.loads((path.parent / "router-model.npz.json").read_text())
    (tmp_path / "older.npz.json").write_text(json.dumps({**meta, "features": 1}))
    assert load_artefact(older) is None
    assert "trained by another version of kcc" in caplog.text
    assert not training.is_current(load_artefact(older), specs, DOMAINS)  # so `kcc domains sync` trains again
    model = Model.load(path)
    changed = [spec for spec in specs]
    first_topic = changed[0].topics[0]
    router = Router.from_specs(changed, model=model)
    assert router.model is model
    first_topic.words.append("een woord dat er pas sinds vandaag bij staat")
    try:
        stale = Router.from_specs(changed, model=model)
    finally:
        first_topic.words.pop()
    assert stale.model is None and "other content" in caplog.text
    assert stale.route("paspoort verlengen").domain == "burgerzaken"  # the rules still route


def test_corrections_teach_the_model_those_questions_and_leave_the_rest(specs, tmp_path):
    """A batch of confirmed corrections moves the model's answer for those questions, not for unrelated ones."""
    # an invented word the content does not know, so only the corrections can teach it
    taught = [Example(f"{prefix} de zwoeleboot voor de vereniging", "vergunningen/evenement")
              for prefix in ("vraag over", "hoe zit het met", "aanvraag", "info over", "regelen van", "ik wil")]
    before = training.train_artefact(specs, DOMAINS, tmp_path / "before.npz").model
    after = training.train_artefact(specs, DOMAINS, tmp_path / "after.npz", taught).model
    index = after.classes.index("vergunningen/evenement")
    question = "zwoeleboot regelen"
    assert after.probabilities(question)[index] > before.probabilities(question)[index] + 0.2
    assert after.classes[int(np.argmax(after.probabilities(question)))] == "vergunningen/evenement"
    for unrelated in ("paspoort verlengen", "grofvuil ophalen", "hulp in de huishouding", "dakkapel plaatsen"):
        assert (after.classes[int(np.argmax(after.probabilities(unrelated)))]
                == before.classes[int(np.argmax(before.probabilities(unrelated)))]), unrelated


def test_corrections_are_listed_per_pair_and_only_confirmed_ones_are_learnt(session):
    """Each contact's last correction counts; it is confirmed when the contact was closed in the corrected domain."""
    from sqlalchemy import select

    from kcc.core.timeutil import utcnow
    from kcc.models import Contact, Domain, RoutingCorrection, Topic

    def topic(domain: str, slug: str) -> Topic:
        return session.scalar(select(Topic).join(Domain).where(Domain.slug == domain, Topic.slug == slug))

    woz, event, grofvuil = topic("algemeen", "woz"), topic("vergunningen", "evenement"), topic("algemeen", "grofvuil")
    now = utcnow()

    def contact(question: str, status: str, final: Topic, *steps: Topic) -> None:
        made = Contact(channel="web", question=question, domain_id=final.domain_id, topic_id=final.id, status=status,
                       created_at=now, queued_at=now, rank_at=now, updated_at=now)
        session.add(made)
        session.flush()
        previous = woz
        for step in steps:
            session.add(RoutingCorrection(contact_id=made.id, at=now, from_domain_id=previous.domain_id,
                                          from_topic_id=previous.id, to_domain_id=step.domain_id, to_topic_id=step.id))
            previous = step
        session.flush()

    contact("zwoeleboot voor de club", "resolved", event, event)
    contact("zwoeleboot bij het clubhuis", "resolved", event, event)
    contact("nog niet afgehandeld", "waiting", event, event)  # not confirmed (yet)
    contact("eerst verkeerd, toen grofvuil", "resolved", grofvuil, event, grofvuil)  # the last correction counts
    pairs = {(p.routed, p.corrected): p for p in training.corrections(session)}
    assert pairs[("algemeen/woz", "vergunningen/evenement")].count == 3
    assert pairs[("algemeen/woz", "vergunningen/evenement")].confirmed == 2
    assert pairs[("vergunningen/evenement", "algemeen/grofvuil")].confirmed == 1
    learnt = training.correction_examples(session)
    assert sorted(e.text for e in learnt) == ["eerst verkeerd, toen grofvuil", "zwoeleboot bij het clubhuis",
                                              "zwoeleboot voor de club"]
    assert {e.label for e in learnt} == {"vergunningen/evenement", "algemeen/grofvuil"}
