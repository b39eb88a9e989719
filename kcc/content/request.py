"""What a message asks for: the sentences that ask, without the greeting, signature, quoted reply and
disclaimer around them — and whether it shows acute danger.

An e-mail or a phone story names moving house, an illness, a debt and a neighbour before it gets to "kan ik een
parkeervergunning krijgen voor mijn mantelzorger?". Routed as a whole, the circumstances outvote the request.
So the router weighs what the subject line and the asking sentences point to above what the whole message points
to (the whole still tells what the request is about when the asking sentence is only "kunt u mij helpen?").
"""
from __future__ import annotations

import re

_QUOTED_HEADER = re.compile(r"^\s*(op .{3,80}(schreef|geschreven)|on .{3,80}wrote|-{2,}\s*(original message|oorspronkelijk"
                            r" bericht)|van:\s|from:\s|verzonden:\s|sent:\s)", re.IGNORECASE)
_SIGN_OFF = re.compile(r"^\s*(met )?(vriendelijke |hartelijke |beste )?groet(en|jes)?\b|^\s*mvg\b|^\s*(kind |best )?regards"
                       r"\b|^\s*groetnis|^\s*mei freonlike groet", re.IGNORECASE)
_NOISE = re.compile(r"verzonden (vanaf|met) mijn|sent from my|uitsluitend bestemd|disclaimer|vertrouwelijk|"
                    r"intended solely|this e-?mail|dit (e-?mail)?bericht", re.IGNORECASE)
_SUBJECT = re.compile(r"^\s*(onderwerp|subject|betreft|re|fw|fwd)\s*:\s*", re.IGNORECASE)
SHORT_ASK = 6  # an asking sentence this short takes the sentence before it along

# "ja hallo, met Dirk Pronk", "u spreekt met mevrouw de Vries", "this is Mark Peterson": a caller's name is not a
# topic word (and a name is no ordinary Dutch word, so it could have been "corrected" into one)
_CALLER = re.compile(r"\b(met|spreekt met|hier is|this is|my name is|mei|it is)\s+(meneer |mevrouw |mw\.? |dhr\.? )?"
                     r"((van|de|der|den|el|al|ten|ter|te|le|la)\s+)*[A-Z][\w'-]+(\s+((van|de|der|den|el|al|ten|ter|te)"
                     r"\s+)*[A-Z][\w'-]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")
# What asks something, as words and phrases of up to three words (looked up, not searched: a router reads
# thousands of sentences a second)
_ASKS = frozenset("""
kunnen jullie|kun je|kan je|wie repareert|wie moet|wie zorgt|mag dat|mag het|moet dat|is daar|is er|hoe regel|hoe doe|
wat moet|wat moeten|waar moet|wil weten|do we need|do i need|where can|who can|ik wil|wil ik|wij willen|we willen|
willen wij|willen we|ik zou graag|graag|kunt u|kan ik|kunnen wij|kunnen we|kan de gemeente|kan iemand|mag ik|mogen wij|
mogen we|moet ik|moeten wij|moeten we|hoe kan|hoe moet|hoe vraag|hoe krijg|hoe meld|ik zoek|ik vraag|verzoek|
aanvragen|aanvraag|melden|wie kan|waar kan|would like|can i|could you|can you|how do i|how can i|i want|i need|i would|
please|wol ik|woe ik|kin ik|kinne wy|moat ik|hoe kin|graach""".replace("\n", "").split("|"))
_ASK_FIRST = frozenset(phrase.split()[0] for phrase in _ASKS)  # only a sentence with one of these can ask
_TOKEN = re.compile(r"[a-z]+")


def asks(sentence: str) -> bool:
    """A question mark, or words that ask ("kan ik", "hoe vraag", "graag", "I would like")."""
    if "?" in sentence:
        return True
    words = _TOKEN.findall(sentence.lower())
    return any(" ".join(words[i:i + n]) in _ASKS for i in range(len(words)) if words[i] in _ASK_FIRST
               for n in (1, 2, 3))


_OBJECTION = re.compile(r"\b(bezwaar\w*|beroep|in beroep|niet eens met|oneens met|objection|object to|appeal|beswier\w*)\b")
_OBJECTION_WORDS = re.compile(
    r"\b(bezwaar\w*|beroep|niet eens|oneens|objection|object|appeal|beswier\w*|weiger\w*|geweigerd|afwijz\w*|"
    r"afgewezen|besluit|beschikking|decision|refus\w*|reject\w*|maken|indienen|aantekenen|tegen|against)\b",
    re.IGNORECASE)
_DANGER = re.compile(
    r"\b(slaat (me|mij|haar|hem|ons|de kinderen)|sloeg (me|mij|haar)|geslagen|mishandel\w*|bedreig\w*|met een mes|"
    r"vermoord|doodmaken|dood te maken|wurg\w*|huiselijk geweld|durf niet (meer )?(naar )?huis|niet veilig "
    r"(thuis|meer)|veilig thuis|hits me|beats me|threaten\w*|slacht\w*|sloech)\b")


def parts(text: str) -> tuple[str, str]:
    """What the message asks (the subject line and the sentences that ask), and the whole message; both without
    the wrapping of an e-mail or a phone call (quoted reply, signature, disclaimer, "met Dirk Pronk")."""
    if "\n" not in text:  # a line typed or transcribed: no mail wrapping to take off
        return _asked(_CALLER.sub(" ", text), "")
    subject, body = "", []  # type: str, list[str]
    for line in text.splitlines():
        if _QUOTED_HEADER.match(line) or _SIGN_OFF.match(line):
            break  # the quoted earlier message, or the signature: nothing after it is this request
        if line.lstrip().startswith(">") or _NOISE.search(line):
            continue
        if _SUBJECT.match(line) and not subject and not body:
            subject = _SUBJECT.sub("", line)
            continue
        body.append(_CALLER.sub(" ", line))
    return _asked("\n".join(body), subject)


def _asked(body: str, subject: str) -> tuple[str, str]:
    """The subject line and the asking sentences of a body, and the whole."""
    sentences = [s.strip() for s in _SENTENCE_END.split(body) if s.strip()]
    whole = "\n".join([subject, *sentences]).strip() or body
    if not subject and (len(sentences) < 2 or not any(asks(s) for s in sentences)):
        return whole, whole  # one sentence, or nothing that asks: the whole is the request
    asking = []
    for position, sentence in enumerate(sentences):
        if asks(sentence):
            if position and len(sentence.split()) < SHORT_ASK:  # "Wie repareert die?": what "die" is came before
                asking.append(sentences[position - 1])
            asking.append(sentence)
    return "\n".join([subject, *asking]).strip(), whole


def objects(text: str) -> bool:
    """An objection or appeal: it goes to the domain of the decision, not to objections in general."""
    return _OBJECTION.search(text.lower()) is not None


def without_objection(text: str) -> str:
    """The message without the words of objecting, so what is left names the decision's subject."""
    return _OBJECTION_WORDS.sub(" ", text)


def shows_danger(text: str) -> bool:
    """Acute danger at home (violence, threats): the employee is told at once to point to 112 or Veilig Thuis."""
    return _DANGER.search(text.lower()) is not None
