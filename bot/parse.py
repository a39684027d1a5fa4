"""Parse: a question -> the words it is about, each weighed by how specific it is in everyday English.

A word's weight is its *specificity*: 1 - zipf/7, from wordfreq's background frequencies (zipf 7 is
"the"; zipf 0 is a word wordfreq has never seen). "stuff", "exactly" and "husband" weigh little,
wherever they appear; "lenalidomide", "keytruda" and "tamoxifen" weigh a lot, so a specific word that
the pages lack still blocks an answer. Weights come from a general source, never from the corpus, so
they do not swing with the size of the corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from wordfreq import zipf_frequency

from .analysis import aspect_words, frame_words
from .analysis import words as surface_words
from .answer_types import AnswerType, asked_type
from .index import Index
from .retriever import Query

_DEFINITION = re.compile(
    r"^\s*(?:what|who)\s*(?:is|are|'s|was|were)\s+(?!the\s+(?:side|risk|best|brand))|^\s*(?:define|meaning of)\b"
    r"|\bwhat\s+(?:does|do)\b.*\bmean\b|\bwhat\s+is\s+meant\s+by\b|\b(?:meaning|definition)\W*$"
    r"|^\s*what\s+(?:kind|type|sort|class)\s+of\s+\w+\s+(?:is|are)\b"
    # what it is, by its kind: "what class is rinvoq in", "rinvoq drug class", "are they the same type?"
    r"|^\s*what\s+(?:kind|type|sort|class|group|category|family)\s+(?:is|are|does|do)\b"
    r"|\b(?:kind|type|sort|class|group|category|family)\W*$"
    # whether it is of a kind: "is dexamethasone a steroid?", "is xeljanz an immunomodulator"
    r"|^\s*(?:is|are)\s+(?!(?:it|there|this|that|they|these|those|she|he)\b)[\w-]+\s+(?:a|an)\s+\w+",
    re.IGNORECASE,
)
# "what kind of drug is Enbrel" asks what it is; "what are examples of JAK inhibitors" asks for examples
_KIND_OF = re.compile(r"\b(kinds?|types?|sorts?|class(?:es)?)\s+of\b", re.IGNORECASE)
_KIND_ASKED = re.compile(r"\b(kind|type|sort|class|group|category|family)\b(?!\s+of\b)", re.IGNORECASE)
MAX_ZIPF = 7.0
# A message that sets the scene before it asks: "She's also on warfarin for her heart valve. Where do the
# clots from these pills start?" Its clauses, and those that ask.
_CLAUSE_BREAK = re.compile(r"[.!?;\n]+\s*|,\s*|\s+[-–—]+\s+")
_ASKS = re.compile(
    r"^(?:(?:also|but|so|and|ok|okay|now|then|well)\s+)*"
    r"(?:what|whats|how|why|when|where|which|who|whose|is|are|was|were|can|could|do|does|did|should|would"
    r"|will|may|might|has|have|any|isn't|aren't|can't|won't|doesn't|don't)\b",
    re.IGNORECASE,
)


# after a full stop and a space ("2.5 mg" is one), at a line break, or at a spaced dash
_SENTENCE_BREAK = re.compile(r"(?<=[.!?;])\s+|\s*\n+\s*|\s+[-–—]+\s+")


def the_sentence_that_asks(text: str) -> str | None:
    """The one sentence that asks, in a message of several where the others set the scene ("is
    dexamethasone a steroid? my dad takes it with his pomalyst"); None when no sentence, or more than
    one, asks, or the message is one sentence. A sentence asks as a clause does in ``scene_words``."""
    sentences = [s.strip() for s in _SENTENCE_BREAK.split(text) if len(s.split()) >= 2]
    asking = [s for s in sentences if _ASKS.match(s) or s.endswith("?")]
    return asking[0] if len(sentences) >= 2 and len(asking) == 1 else None


@lru_cache(maxsize=100_000)
def specificity(word: str) -> float:
    """1 for a word everyday English never uses, 0 for the commonest words."""
    return max(0.0, min(1.0, 1.0 - zipf_frequency(word, "en") / MAX_ZIPF))


@dataclass(frozen=True)
class Word:
    text: str  # the question's word (folded), or the phrase an expansion came from
    terms: frozenset[str]  # index terms that stand for it: itself, a spelling fix, brands, lay terms
    weight: float  # specificity
    known: bool  # some of its terms are in the index
    frame: bool  # "side effects", "given": what is asked about the subject
    aspect: bool  # a frame word that must be answered ("side effects", "cost", "dose")
    drug: bool = False  # names a drug: a quoted sentence must come from where the pages speak of it


@dataclass(frozen=True)
class ParsedQuestion:
    text: str
    query: Query
    words: tuple[Word, ...]
    definition: bool
    answer_type: AnswerType | None = None  # "how long": a duration must be said (see answer_types)

    @property
    def subjects(self) -> tuple[Word, ...]:
        return tuple(w for w in self.words if not w.frame)

    @property
    def aspects(self) -> tuple[Word, ...]:
        return tuple(w for w in self.words if w.aspect and w.known)


def scene_words(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(words of the clauses that ask, words only of the clauses that set the scene), when the message
    has both; otherwise two empty sets. A clause asks when it opens with a question word or ends in "?"."""
    asking: set[str] = set()
    telling: set[str] = set()
    start = 0
    for separator in [*_CLAUSE_BREAK.finditer(text), None]:
        end = separator.start() if separator else len(text)
        clause = text[start:end].strip()
        if clause:
            asks = bool(_ASKS.match(clause)) or bool(separator and "?" in separator.group())
            (asking if asks else telling).update(surface_words(clause))
        start = separator.end() if separator else end
    if not asking or not telling:
        return frozenset(), frozenset()
    return frozenset(asking), frozenset(telling - asking)


def parse(query: Query, index: Index) -> ParsedQuestion:
    frames, aspects = frame_words(), aspect_words()
    named = _acronym_names(index, {t.concept for t in query.terms if t.source == "expansion"})
    # an acronym stands for its name: a passage speaks of NOMID where it has its name's rarest words
    # ("multisystem"), not wherever one of them is ("disease")
    expansions = [t for t in query.terms if t.source == "expansion" and t.term in named.get(t.concept, {t.term})]
    phrase_terms = {e.concept: set(index.analyzer.terms(e.concept)) for e in expansions}
    words: list[Word] = []
    seen: set[str] = set()
    for term in query.terms:
        if term.source == "expansion" or term.concept in seen:
            continue
        seen.add(term.concept)
        alternatives = {term.term}
        for extra in expansions:
            if term.term in phrase_terms[extra.concept] or term.concept in extra.concept.split():
                alternatives.add(extra.term)
        if term.source == "question":
            # the query holds each term once, so a brand's generic that the question also names ("is aldara
            # the same as imiquimod") is not among its expansions: the word is read alone for them
            alternatives.update(
                t.term
                for t in index.expander.expand(term.concept)
                if t.source == "expansion" and t.concept == term.concept and t.term in named.get(t.concept, {t.term})
            )
        known = any(t in index.term_ids for t in alternatives)
        # a misspelled word is read as the word it stands for: "side efects" asks for side effects
        meant = index.expander.as_the_pages_spell(term.concept) if term.source == "spelling" else term.concept
        frame = meant in frames
        weight = specificity(meant) if term.source != "spelling" else 1.0
        drug = not frame and index.expander.names_drug(meant, alternatives)
        words.append(Word(meant, frozenset(alternatives), weight, known, frame, frame and meant in aspects, drug))
    asking, scene = scene_words(query.text)
    if any(w.known and not w.frame and w.text in asking for w in words):
        # the question names its own subject, so a word the pages lack that only sets the scene ("she's
        # also on warfarin") is not what is asked and does not block the answer
        words = [w for w in words if w.known or w.text not in scene]
    return ParsedQuestion(query.text, query, tuple(words), _asks_what_it_is(query.text, words), asked_type(query.text))


ACRONYM_NAME_MARGIN = 0.1  # a name's words this close to its rarest one stand for the acronym too


def _acronym_names(index: Index, concepts: set[str]) -> dict[str, set[str]]:
    """For each acronym among the concepts, the terms of its name's rarest words."""
    expansions = index.expander.expansions
    named: dict[str, set[str]] = {}
    for concept in concepts & expansions.acronyms:
        rarity: dict[str, float] = {}
        for name in expansions.table.get(concept, []):
            for word in surface_words(name):
                if index.analyzer.is_content(word):
                    term = index.analyzer.stem(word)
                    rarity[term] = max(rarity.get(term, 0.0), specificity(word))
        if rarity:
            top = max(rarity.values())
            named[concept] = {t for t, r in rarity.items() if r >= top - ACRONYM_NAME_MARGIN}
    return named


def _asks_what_it_is(text: str, words: list[Word]) -> bool:
    """A definition question: "what is X", "X meaning". One that asks for an aspect of its subject
    ("what are examples of X", "what are the common side effects of X") asks for that aspect instead."""
    kind_of = {m.group(1).lower() for m in _KIND_OF.finditer(text)}
    kind_of |= {m.group(1).lower() for m in _KIND_ASKED.finditer(text)}
    return bool(_DEFINITION.search(text)) and not any(w.aspect and w.text not in kind_of for w in words)
