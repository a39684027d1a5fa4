"""Retrieve and fuse: BM25 passages and dense sentences -> candidate answer units, each with named features.

A unit is one sentence of a passage (with the sentence before it when it opens with "These/It/They"),
or one list item with its lead-in. Candidates come from the BM25 top passages and, when the index has
sentence vectors, from the passages of the closest sentences. Every feature the later stages use is
computed here, once, and named in ``UNIT_FEATURES``; the fitted weights live in ``calibration.json``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .analysis import Analyzer, fold
from .answer_types import says
from .dense import BULLET, is_nested, passage_sentences
from .encoder import DIMENSIONS, Encoder, TokenStates
from .index import Index, heading_terms, title_terms
from .parse import ParsedQuestion, Word
from .passages import ANAPHORA
from .retriever import Hit, Retriever

UNIT_FEATURES = (
    "cos",  # cosine of the question with the unit's sentence (the better of: read with its heading, alone)
    "cos_gap",  # that cosine minus the best cosine of any sentence
    "late",  # late interaction: how closely, on average, each question word is matched by a word of the unit
    "late_gap",  # that minus the best of any unit
    "bm25",  # the passage's BM25 score over the best BM25 score
    "cover_unit",  # share of the question's subject weight the unit itself names
    "cover_context",  # ... the unit, its passage, section and page title name
    "frame_unit",  # share of the frame words ("side effects", "given") in the unit or its heading
    "aspect_missing",  # a word of an asked aspect ("side effects", "cost") is in neither the unit nor its heading
    "type_missing",  # the question asks a type of answer ("how long", a phone number) that the unit does not say
    "missing_max",  # the most specific question word that the unit's context lacks
    "unit_missing",  # the most specific question word that the unit and its heading lack
    "soft_cover",  # share of the subject weight the unit and heading cover, a close word counting its cosine
    "soft_missing",  # the most specific question word, by how far it is from any word of the unit and heading
    "item",  # a list item
    "defines",  # a definition question, and the unit opens with the subject and a defining verb
    "named_source",  # the page names its publisher and review date
    "length",  # words / 40
)
DENSE_CANDIDATE_PASSAGES = 8  # passages brought in by their closest sentences
OPENING_WORDS = 8  # a sentence names its subject within its first words
MAX_RUN = 3  # sentences in one unit: the one that names the subject and those after it that lean on it
_DEFINING_VERB = re.compile(r"\b(?:is|are|refers?|means?|include|includes|consist|consists)\b", re.IGNORECASE)
# "• Malaise (a feeling of weakness ...)": a list item that explains its term in a bracket; a bracket of
# one or two words is a brand or another name ("Tofacitinib (Xeljanz®)"), not an explanation
_GLOSSARY_ITEM = re.compile(r"(?:^|\n)• ([^(\n]{1,80}) \((?=[a-z])[^)\s]+(?:\s+[^)\s]+){2,}")
# "... and neuropathy (painful nerve damage)": a term explained in a bracket mid-sentence
_GLOSSED_TERM = re.compile(r"\b([A-Za-z][\w-]*) \((?=[a-z])[^)\s]+(?:\s+[^)\s]+){2,}\)")
_SURFACE_WORD = re.compile(r"[A-Za-z0-9]+")
# the word after a possessive names the asker's own people and things ("my son", "his capsules")
_OWNED_WORD = re.compile(r"\b(?:my|his|her|our|their|your)\s+([A-Za-z0-9]+)", re.IGNORECASE)
# where a sentence's subject ends: its first verb ("Pomalyst is", "Thalomid treats", "They can")
_FIRST_VERB = re.compile(
    r"\b(?:is|are|was|were|can|could|may|might|will|should|has|have|had|do|does|treats?|causes?|works?|"
    r"helps?|stimulates?|reduces?|blocks?|targets?|prevents?|limits?|lessens?)\b",
    re.IGNORECASE,
)
# where a clause with a subject of its own may start: "Thalomid treats X; while Revlimid treats Y"
_CLAUSE_START = re.compile(r";\s*|\s+(?:while|whereas)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    pid: int
    spans: tuple[tuple[int, int], ...]  # offsets within the passage text, in reading order
    text: str
    terms: frozenset[str]
    item: bool
    lead: tuple[int, int] | None  # a list item's lead-in line
    rows: tuple[int, ...]  # sentence-vector rows the unit is made of
    joined: frozenset[str] = frozenset()  # terms only the solid reading of a hyphenated word adds

    @property
    def words(self) -> frozenset[str]:
        """Its terms as written, each hyphenated word counted by its parts: what two units share."""
        return self.terms - self.joined


@dataclass
class Candidate:
    unit: Unit
    features: dict[str, float]
    score: float = 0.0  # the ranker's probability, set by the select stage
    # its passage speaks of another drug than the one asked about (``_about_other_drug``), or it opens on
    # one (``led_by_another_drug``)
    other_drug: bool = False
    # a list item that says nothing but what the question names ("• Prednisolone."): 1 when those are only
    # names of an asked drug ("• Tofacitinib (Xeljanz®)"), 0.5 for other asked words ("• Diarrhea"), else 0
    names_only: float = 0.0


@dataclass
class Candidates:
    question: ParsedQuestion
    hits: list[Hit]
    items: list[Candidate]
    best_cos: float
    subject_vectors: np.ndarray | None = None  # one row per question.subjects word, with sentence vectors
    best_late: float = 0.0
    # one row per question.subjects word: its vector beside its state in the question (see subject_readings)
    subject_readings: np.ndarray | None = None


class PassageFacts:
    """Facts of a passage that do not depend on the question, computed once per passage."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._memo: dict[tuple[str, int], Any] = {}
        self._pages: dict[str, frozenset[str]] = {}

    def _cached(self, kind: str, pid: int, compute: Callable[[int], Any]) -> Any:
        key = (kind, pid)
        if key not in self._memo:
            if len(self._memo) > 50_000:
                self._memo.clear()
            self._memo[key] = compute(pid)
        return self._memo[key]

    def terms(self, pid: int) -> frozenset[str]:
        return self._cached("terms", pid, lambda p: frozenset(self.index.analyzer.terms(self.index.passage(p).text)))

    def heading(self, pid: int) -> frozenset[str]:
        return self._cached("heading", pid, self._heading)

    def _heading(self, pid: int) -> frozenset[str]:
        index, analyzer = self.index, self.index.analyzer
        passage, doc = index.passage(pid), index.document_of(pid)
        intro_end = doc.get("intro_end")
        intro_end = len(doc["text"]) if intro_end is None else intro_end
        return frozenset(heading_terms(analyzer, passage, *title_terms(analyzer, doc["title"]), intro_end, topic=True))

    def context(self, pid: int) -> frozenset[str]:
        """What tells what a passage is about: its heading, its words, and the passage before it when
        this one opens with a pronoun."""
        return self._cached("context", pid, self._context)

    def _context(self, pid: int) -> frozenset[str]:
        passage = self.index.passage(pid)
        terms = set(self.heading(pid)) | self.terms(pid)
        if ANAPHORA.match(passage.text) and pid > 0 and self.index.passage(pid - 1).doc_id == passage.doc_id:
            terms |= self.terms(pid - 1)
        return frozenset(terms)

    def page_terms(self, pid: int) -> frozenset[str]:
        """Every term of the passage's page (its title and all its text)."""
        return self._cached("page", pid, lambda p: self._page(self.index.passage(p).doc_id))

    def _page(self, doc_id: str) -> frozenset[str]:
        if doc_id not in self._pages:
            doc = self.index.document(doc_id) or {}
            self._pages[doc_id] = frozenset(self.index.analyzer.terms(f"{doc.get('title', '')}\n{doc.get('text', '')}"))
        return self._pages[doc_id]

    def units(self, pid: int) -> list[Unit]:
        return self._cached("units", pid, self._units)

    def _units(self, pid: int) -> list[Unit]:
        index, analyzer = self.index, self.index.analyzer
        passage = index.passage(pid)
        text = passage.text
        sentences = passage_sentences(pid, passage, "")
        rows: list[int] = list(index.dense.sentences_of(pid)) if index.dense is not None else []
        if len(rows) != len(sentences):
            rows = [-1] * len(sentences)
        units: list[Unit] = []
        lead: tuple[int, int] | None = None
        parent: tuple[int, int] | None = None  # an item that leads a nested list: its items' lead-in
        # the current run of plain sentences: one that names its subject, then those that lean on it
        # ("Imiquimod is a cream. It stimulates... It is prescribed for..."), across paragraph breaks
        run: list[tuple[int, int, int]] = []  # start, end, row
        for sentence, row in zip(sentences, rows):
            s, e = sentence.start, sentence.end
            if text[s:e].lstrip().startswith(BULLET):
                if is_nested(text[s:e]):
                    own_lead = parent or lead
                else:
                    parent = (s, e) if text[s:e].rstrip().endswith(":") else None
                    if parent is not None:  # "• Signs of kidney problems:" says nothing without its items
                        continue
                    own_lead = lead
                spans = (own_lead, (s, e)) if own_lead else ((s, e),)
                body = "\n".join(text[a:b].strip() for a, b in spans)
                units.append(_make_unit(analyzer, pid, spans, body, own_lead, (row,)))
                run = []
                continue
            lead = (s, e) if text[s:e].rstrip().endswith(":") else None
            parent = None
            if lead is not None:  # a bare lead-in ("Side effects include:") says nothing on its own
                run = []
                continue
            run = [*run, (s, e, row)] if run and ANAPHORA.match(text[s:e]) else [(s, e, row)]
            run_spans = tuple((a, b) for a, b, _ in run[-MAX_RUN:])
            body = " ".join(text[a:b] for a, b in run_spans)
            run_rows = tuple(r for _, _, r in run[-MAX_RUN:])
            units.append(_make_unit(analyzer, pid, run_spans, body, None, run_rows, item=False))
        return units

    def section_opener(self, pid: int) -> Unit | None:
        """The first plain sentence (with those leaning on it) of the passage's section, when it names the
        section: "Janus kinase inhibitors are DMARDs..." over the list "Examples include: • Tofacitinib".
        The section may have begun in an earlier passage of the page."""
        return self._cached("opener", pid, self._section_opener)

    def _section_opener(self, pid: int) -> Unit | None:
        index = self.index
        passage = index.passage(pid)
        if not passage.section:
            return None
        first = pid
        while first > 0:
            before = index.passage(first - 1)
            if before.doc_id != passage.doc_id or before.section != passage.section:
                break
            first -= 1
        plain = [u for u in self.units(first) if not u.item]
        if not plain:
            return None
        # the longest run from the first sentence: "Janus kinase inhibitors are DMARDs... These drugs reduce
        # inflammation by limiting the activity of certain enzymes"
        opener = [u for u in plain if u.spans[0] == plain[0].spans[0]][-1]
        opening = index.analyzer.terms(" ".join(opener.text.split()[:OPENING_WORDS]))
        return opener if set(index.analyzer.terms(passage.section)) & set(opening) else None

    def item_terms(self, pid: int) -> list[frozenset[str]]:
        """Per unit, the terms of a list item's own line (without its lead-in); empty for a sentence."""
        return self._cached("item_terms", pid, self._item_terms)

    def _item_terms(self, pid: int) -> list[frozenset[str]]:
        text, analyzer = self.index.passage(pid).text, self.index.analyzer
        return [
            frozenset(analyzer.terms(text[u.spans[-1][0] : u.spans[-1][1]])) if u.item else frozenset()
            for u in self.units(pid)
        ]

    def clause_openings(self, pid: int) -> list[tuple[frozenset[str], ...]]:
        """Per unit, the terms each of its clauses opens on (``clause_openings``)."""
        analyzer = self.index.analyzer
        return self._cached("openings", pid, lambda p: [clause_openings(u.text, analyzer) for u in self.units(p)])

    def unit_term_ids(self, pid: int) -> list[np.ndarray]:
        """Index term ids of each unit with its heading, for the word-vector comparison."""
        return self._cached("unit_ids", pid, self._unit_term_ids)

    def _unit_term_ids(self, pid: int) -> list[np.ndarray]:
        ids = self.index.term_ids
        heading = self.heading(pid)
        return [
            np.fromiter(sorted({ids[t] for t in unit.terms | heading if t in ids}), dtype=np.int64)
            for unit in self.units(pid)
        ]

    def surface_words(self, pid: int) -> tuple[tuple[str, str], ...]:
        """Each distinct content word of a passage as written, with its index term (for highlighting)."""
        return self._cached("surface", pid, self._surface_words)

    def _surface_words(self, pid: int) -> tuple[tuple[str, str], ...]:
        analyzer = self.index.analyzer
        pairs = []
        for word in set(_SURFACE_WORD.findall(self.index.passage(pid).text)):
            folded = fold(word)
            if analyzer.is_content(folded):
                pairs.append((word, analyzer.stem(folded)))
        return tuple(pairs)

    def named_source(self, pid: int) -> float:
        doc = self.index.document_of(pid)
        return (0.5 if doc.get("publisher") else 0.0) + (0.5 if doc.get("reviewed") else 0.0)


def _make_unit(
    analyzer: Any,
    pid: int,
    spans: tuple[tuple[int, int], ...],
    body: str,
    lead: tuple[int, int] | None,
    rows: tuple[int, ...],
    item: bool = True,
) -> Unit:
    return Unit(pid, spans, body, frozenset(analyzer.terms(body)), item, lead, rows, analyzer.joined_terms(body))


def opening(text: str) -> str:
    """What a sentence is about: its words before its first verb, within its first OPENING_WORDS; for a
    list item, the item's own ("Types include:\n• Prednisone." opens on "Prednisone")."""
    own = text.rsplit("\n• ", 1)[-1]
    head = " ".join(own.split()[:OPENING_WORDS])
    verb = _FIRST_VERB.search(head)
    return head[: verb.start()] if verb else head


def _about_other_drug(
    asked: tuple[Word, ...], context: frozenset[str], page: frozenset[str], drug_terms: frozenset[str]
) -> bool:
    """A passage that does not name an asked drug (by any of its names) is about another one when it,
    its section or its page title names some drug, or when its page names drugs but never the asked
    one: "Side effects of iMiDs differ" on a page about thalidomide and its kin says nothing of Humira.
    A passage of a page that names the asked drug and that itself names none speaks of the class or
    of treatment in general ("These drugs are given with aspirin"). When two drugs are asked about, a
    passage that names one of them is about an asked drug ("is dexamethasone a steroid? he takes it
    with his Pomalyst": the steroid page names dexamethasone, not Pomalyst)."""
    if not asked or any(word.terms & context for word in asked):
        return False
    on_page = any(word.terms & page for word in asked)
    return not drug_terms.isdisjoint(context) or (not drug_terms.isdisjoint(page) and not on_page)


def clause_openings(text: str, analyzer: Analyzer) -> tuple[frozenset[str], ...]:
    """The terms each clause of a sentence opens on (``opening``), a clause with a subject of its own
    starting at a semicolon or a "while"."""
    return tuple(frozenset(analyzer.terms(opening(c))) for c in _CLAUSE_START.split(text) if c.strip())


def led_by_another_drug(
    openings: tuple[frozenset[str], ...], asked: frozenset[str], drug_terms: frozenset[str]
) -> bool:
    """The sentence is about another drug: it opens on one, and none of its clauses opens on the drug
    asked about. "Pomalyst is a prescription medicine, taken along with the medicine dexamethasone..."
    says nothing of dexamethasone's side effects; "Thalomid treats multiple myeloma ...; while Revlimid
    treats ... myelodysplastic syndromes" answers of Revlimid in its second clause."""
    if not asked or not openings or drug_terms.isdisjoint(openings[0]):
        return False
    return all(asked.isdisjoint(o) for o in openings)


def _cover(words: tuple[Word, ...], terms: frozenset[str]) -> float:
    total = sum(w.weight for w in words)
    if not total:
        return 1.0
    return sum(w.weight for w in words if w.terms & terms) / total


def _defines(analyzer: Any, text: str, subjects: tuple[Word, ...]) -> bool:
    """'Biologics are ...', 'BCG is ...': a subject word opens the sentence, before a defining verb.
    A glossary item, 'Malaise (a feeling of weakness ...)', defines the words before its bracket, and a
    bracket mid-sentence the word before it: '... and neuropathy (painful nerve damage).'"""

    def opens_with_subject(opening: str) -> bool:
        terms = set(analyzer.terms(opening))
        return 0 < len(terms) <= 8 and any(w.terms & terms for w in subjects)

    verb = _DEFINING_VERB.search(text[:160])
    if verb and opens_with_subject(text[: verb.start()]):
        return True
    glossary = _GLOSSARY_ITEM.search(text)
    if glossary is not None and opens_with_subject(glossary.group(1)):
        return True
    return any(opens_with_subject(m.group(1)) for m in _GLOSSED_TERM.finditer(text))


_CLOSING_MARKS = re.compile(r"[\s.!?;]+$")


def _dense_text(question: ParsedQuestion, index: Index) -> str:
    # read without its closing marks, as the emergency probe reads a one-clause message: one encoder
    # pass serves both, and "?" says nothing of what is asked; and spelled as the pages spell it
    return _CLOSING_MARKS.sub("", index.expander.respell(question.text))


@dataclass(frozen=True)
class QuestionTokens:
    """The token states of the question's content words; for each, the word it opens (folded) and
    whether that word names an asked drug."""

    vectors: np.ndarray
    words: tuple[str, ...]
    drug: np.ndarray  # bool per token

    def asked_of_the_drug(self, context: frozenset[str] = frozenset()) -> np.ndarray:
        """The tokens that say what is asked of the drug: all but its name ("side effects" of "side effects
        of pomalidomide") and the asker's context, words the pages never use that name the asker's own
        people and things ("son" of "my son is on humira, what is it"). With no other word, the question
        asks for the drug itself ("what is humira"). Another word the pages never use is asked, and no
        sentence matching it says they do not answer ("drive" of "is it safe to drive on thalidomide")."""
        rest = ~self.drug & np.array([w not in context for w in self.words], dtype=bool)
        if rest.any():
            return rest
        return self.drug if self.drug.any() else np.ones(len(self.drug), dtype=bool)


def askers_context(question: ParsedQuestion) -> frozenset[str]:
    """The question's words the pages never use that follow a possessive: who and what the asker speaks
    of ("my son", "his grandkids"), not what is asked."""
    owned = {fold(m.group(1)) for m in _OWNED_WORD.finditer(question.text)}
    return frozenset(w.text for w in question.words if not w.known and w.text in owned)


def question_tokens(question: ParsedQuestion, index: Index, encoder: Encoder) -> QuestionTokens:
    """The token states of the question's content words: the word piece that opens a word that is not
    a stopword ("bung" of "bunged", "po" of "pomalyst"). "what", "?" and "##lyst" would match anything.
    The word decides, not its first piece: "aspirin" opens with "as", "tofacitinib" with "to"."""
    text = _dense_text(question, index)
    state = encoder.token_states(text)
    analyzer = index.analyzer
    opened = _opened_words(text, state)
    keep = [i for i, t in enumerate(state.tokens) if t.isalnum() and opened[i] and analyzer.is_content(opened[i])]
    drug_terms = frozenset().union(*(w.terms for w in question.subjects if w.drug and w.known))
    starts = tuple(opened[i] for i in keep)
    return QuestionTokens(
        state.vectors[keep], starts, np.array([analyzer.stem(w) in drug_terms for w in starts], dtype=bool)
    )


def _opened_words(text: str, state: TokenStates) -> list[str]:
    """For each word piece, the word (folded) it opens; "" for a piece inside a word or a mark."""
    words_at = {m.start(): fold(m.group(0)) for m in _SURFACE_WORD.finditer(text)}
    return [words_at.get(start, "") for start, _ in state.offsets]


READING_DIMENSIONS = 2 * DIMENSIONS  # a subject word's reading: its vector, then its state in the question


def subject_readings(question: ParsedQuestion, index: Index, encoder: Encoder, vectors: np.ndarray) -> np.ndarray:
    """Each subject word read alone and in its question, side by side (each half unit length, the row
    too): its vector says what the word is, its state after the last layer how the question uses it.
    "book" alone is an everyday word; in "how do I book an appointment" it is what is asked. A word the
    states do not show (a phrase from an expansion) is read alone twice."""
    text = _dense_text(question, index)
    state = encoder.token_states(text)
    first_piece: dict[str, int] = {}
    for piece, word in enumerate(_opened_words(text, state)):
        if word and word not in first_piece:
            first_piece[word] = piece
    in_context = vectors.copy()
    for row, subject in enumerate(question.subjects):
        found = first_piece.get(subject.text.split()[0]) if subject.text.strip() else None
        if found is not None:
            in_context[row] = state.vectors[found]
    return (np.hstack([vectors, in_context]) / np.sqrt(2.0)).astype(np.float32)


def _subject_rows(question: ParsedQuestion, index: Index) -> list[int | None]:
    """Each subject word's row of saved term vectors; a phrase has none."""
    return [index.term_ids.get(index.analyzer.stem(w.text)) if " " not in w.text else None for w in question.subjects]


def encoder_texts(question: ParsedQuestion, index: Index) -> list[str]:
    """What ``gather`` will encode for this question: its text, and each subject word with no saved
    vector. Encoded ahead in one batch with the emergency probe's clauses, they cost one pass, not two."""
    if index.dense is None or not len(index.dense):
        return []
    rows = _subject_rows(question, index)
    fresh = [w.text for w, row in zip(question.subjects, rows) if not index.dense.has_term_vector(row)]
    return [_dense_text(question, index), *fresh]


def gather(
    question: ParsedQuestion, retriever: Retriever, facts: PassageFacts, top_k: int, encoder: Encoder | None
) -> Candidates:
    index = retriever.index
    hits = retriever.search(question.query, top_k) if question.query.terms else []
    bm25 = {h.pid: h.score for h in hits}
    top_bm25 = max(bm25.values(), default=0.0) or 1.0
    subjects = question.subjects
    frames = tuple(w for w in question.words if w.frame)
    aspects = question.aspects
    drugs = tuple(w for w in subjects if w.drug and w.known)
    drug_names = frozenset().union(*(w.terms for w in drugs))
    asked_terms = frozenset().union(*(w.terms for w in subjects))
    drug_terms = index.expander.drug_terms
    dense = index.dense if encoder is not None and index.dense is not None and len(index.dense) else None
    cosines = word_sims = subject_vectors = readings = asked_tokens = None
    pids = list(bm25)
    if dense is not None and encoder is not None:
        cosines = dense.cosines(encoder.encode_cached([_dense_text(question, index)])[0])
        asked_tokens = question_tokens(question, index, encoder)
        subject_vectors = dense.word_vectors(
            [w.text for w in subjects], _subject_rows(question, index), encoder.encode_cached
        )
        word_sims = subject_vectors @ dense.term_vectors.T if subjects else None
        readings = subject_readings(question, index, encoder, subject_vectors)
        pids += [pid for pid, _ in dense.best_passages(cosines, DENSE_CANDIDATE_PASSAGES) if pid not in bm25]
    best_cos = float(cosines.max()) if cosines is not None else 0.0
    weights = np.array([w.weight for w in subjects], dtype=np.float64)
    total = float(weights.sum())
    items: list[Candidate] = []
    for pid in pids:
        context = facts.context(pid)
        heading = facts.heading(pid)
        missing_max = max((w.weight for w in subjects if not (w.terms & context)), default=0.0)
        cover_context = _cover(subjects, context)
        named = facts.named_source(pid)
        other_drug = _about_other_drug(drugs, context, facts.page_terms(pid), drug_terms)
        units = facts.units(pid)
        for unit, ids, own, openings in zip(
            units, facts.unit_term_ids(pid), facts.item_terms(pid), facts.clause_openings(pid)
        ):
            around = unit.terms | heading
            exact = np.array([bool(w.terms & around) for w in subjects], dtype=bool)
            closeness = exact.astype(np.float64)
            if word_sims is not None and len(ids):
                closeness = np.maximum(closeness, np.clip(word_sims[:, ids].max(1), 0.0, 1.0))
            cos = max((float(cosines[r]) for r in unit.rows if r >= 0), default=0.0) if cosines is not None else 0.0
            features = {
                "cos": cos,
                "cos_gap": cos - best_cos,
                "late": 0.0,  # set below, for all units in one product
                "late_gap": 0.0,
                "bm25": bm25.get(pid, 0.0) / top_bm25,
                "cover_unit": _cover(subjects, unit.terms),
                "cover_context": cover_context,
                "frame_unit": _cover(frames, around) if frames else 1.0,
                "aspect_missing": float(not all(w.terms & around for w in aspects)),
                "type_missing": float(not says(unit.text, question.answer_type)),
                "missing_max": missing_max,
                "unit_missing": float((weights * ~exact).max()) if len(weights) else 0.0,
                "soft_cover": float(weights @ closeness) / total if total else 1.0,
                "soft_missing": float((weights * (1.0 - closeness)).max()) if len(weights) else 0.0,
                "item": float(unit.item),
                "late_rest": 0.0,
                "defines": float(question.definition and _defines(index.analyzer, unit.text, subjects)),
                "named_source": named,
                "length": len(unit.text.split()) / 40,
            }
            names_only = 0.0
            if unit.item and own and own <= asked_terms:
                names_only = 1.0 if own <= drug_names else 0.5
            about_another = other_drug or led_by_another_drug(openings, drug_names, drug_terms)
            items.append(Candidate(unit, features, other_drug=about_another, names_only=names_only))
    if dense is not None and asked_tokens is not None:
        matches = dense.late_matches(asked_tokens.vectors, [c.unit.rows for c in items])
        if matches.size:
            filled = np.isfinite(matches).all(0)
            late = np.where(filled, matches.mean(0), 0.0)
            rest = matches[asked_tokens.asked_of_the_drug(askers_context(question))]
            late_rest = np.where(filled, rest.mean(0), 0.0)
            for c, whole, asked in zip(items, late, late_rest):
                c.features["late"] = float(whole)
                c.features["late_rest"] = float(asked)
    best_late = max((c.features["late"] for c in items), default=0.0)
    for c in items:
        c.features["late_gap"] = c.features["late"] - best_late
    return Candidates(question, hits, items, best_cos, subject_vectors, best_late, readings)
