"""Hits -> an extractive answer with [n] citations, or an honest no-answer.

Every sentence of an answer is a verbatim slice of a cited passage. The builder
1. checks coverage: the question's subject words (not its frame words such as "side effects") must
   all be found together in one retrieved passage, counting the passage's section and title, and
   the passage before it when the passage opens with "These/It/They...". Coverage is weighted by IDF,
   so a rare unknown word ("radiation", "Tokyo") weighs most;
2. splits the covering passages into units: sentences (Punkt), a sentence with the one before it
   when it opens with a pronoun, and lists with their lead-in;
3. picks the one to three best units, dropping repeated facts, and cites them in order of first use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .analysis import FRAME_WEIGHT, aspect_words, fold, frame_words
from .index import Index, heading_terms
from .passages import ANAPHORA, line_spans, sentence_spans
from .retriever import Hit, Query

DEFAULT_MIN_COVERAGE = 0.75
MAX_UNITS = 3
MAX_ANSWER_WORDS = 110
MAX_LIST_ITEMS = 8
_DEFINITION_QUESTION = re.compile(
    r"^\s*(?:what|who)\s*(?:is|are|'s|was|were)\s+(?!the\s+(?:side|risk|best|brand))", re.IGNORECASE
)
_DEFINING_VERB = re.compile(r"\b(?:is|are|refers?|means?|include|includes|consist)\b", re.IGNORECASE)
_SURFACE_WORD = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class Concept:
    word: str
    terms: frozenset[str]
    weight: float
    known: bool
    frame: bool = False


@dataclass
class Unit:
    pid: int
    spans: list[tuple[int, int]]  # offsets within the passage text
    text: str
    terms: frozenset[str]
    score: float = 0.0


@dataclass
class Selection:
    units: list[Unit]
    coverage: float
    concepts: list[Concept]


def split_concepts(query: Query, index: Index) -> tuple[list[Concept], list[Concept]]:
    """(subject concepts, frame concepts) of a question, each with the terms that stand for it."""
    frame = frame_words()
    expansions = [t for t in query.terms if t.source == "expansion"]
    phrase_terms = {extra.concept: set(index.analyzer.terms(extra.concept)) for extra in expansions}
    idf = index.matrix.idf
    max_idf = math.log(index.n_passages + 1)
    subjects: list[Concept] = []
    frames: list[Concept] = []
    seen: set[str] = set()
    for term in query.terms:
        if term.source == "expansion" or term.concept in seen:
            continue
        seen.add(term.concept)
        alternatives = {term.term}
        for extra in expansions:
            if term.term in phrase_terms[extra.concept] or term.concept in extra.concept.split():
                alternatives.add(extra.term)
        known = [t for t in alternatives if t in index.term_ids]
        is_frame = term.concept in frame
        if known:
            weight = max(float(idf[index.term_ids[t]]) for t in known)
        else:
            weight = 0.0 if is_frame else max_idf  # an unknown subject word weighs most; an unknown frame word nothing
        concept = Concept(term.concept, frozenset(alternatives), weight, bool(known), is_frame)
        (frames if is_frame else subjects).append(concept)
    return subjects, frames


class AnswerBuilder:
    def __init__(self, index: Index, min_coverage: float = DEFAULT_MIN_COVERAGE) -> None:
        if not 0 < min_coverage <= 1:
            raise ValueError(f"min_coverage must be within (0, 1], got {min_coverage}")
        self.index = index
        self.min_coverage = min_coverage
        self._memo: dict[tuple[str, int], Any] = {}

    def _cached(self, kind: str, pid: int, compute: Callable[[int], Any]) -> Any:
        """Per-passage facts that do not depend on the question, computed once per passage."""
        key = (kind, pid)
        if key not in self._memo:
            if len(self._memo) > 50_000:
                self._memo.clear()
            self._memo[key] = compute(pid)
        return self._memo[key]

    def passage_terms(self, pid: int) -> frozenset[str]:
        return self._cached("terms", pid, lambda p: frozenset(self.index.analyzer.terms(self.index.passage(p).text)))

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

    def context_terms(self, pid: int) -> frozenset[str]:
        return self._cached("context", pid, self._context_terms)

    def _context_terms(self, pid: int) -> frozenset[str]:
        """Terms that tell what a passage is about: its section, its document title, and the passage
        before it when this one opens with a pronoun."""
        index, analyzer = self.index, self.index.analyzer
        passage = index.passage(pid)
        doc = index.document_of(pid)
        intro_end = doc.get("intro_end")
        terms = set(
            heading_terms(
                analyzer, passage, analyzer.terms(doc["title"]), len(doc["text"]) if intro_end is None else intro_end
            )
        )
        if ANAPHORA.match(passage.text) and pid > 0 and index.passage(pid - 1).doc_id == passage.doc_id:
            terms |= self.passage_terms(pid - 1)
        return frozenset(terms)

    def coverage(self, concepts: list[Concept], terms: frozenset[str]) -> float:
        """Share of the question's weight found in ``terms``; frame words count at FRAME_WEIGHT."""
        total = sum(c.weight * (FRAME_WEIGHT if c.frame else 1.0) for c in concepts)
        if not total:
            return 0.0
        return sum(c.weight * (FRAME_WEIGHT if c.frame else 1.0) for c in concepts if c.terms & terms) / total

    def select(
        self, query: Query, hits: list[Hit], min_coverage: float | None = None, carried: frozenset[str] = frozenset()
    ) -> Selection:
        """Choose answer units. ``carried`` are topic words brought from earlier turns: they may be
        implied by a sentence's surroundings, while the question's own words should be in it."""
        min_coverage = self.min_coverage if min_coverage is None else min_coverage
        subjects, frames = split_concepts(query, self.index)
        concepts = subjects + frames if subjects else [Concept(c.word, c.terms, c.weight, c.known) for c in frames]
        if not concepts or not hits or not any(c.known for c in concepts):
            return Selection([], 0.0, concepts)
        aspects = aspect_words()
        asked_aspects = [c for c in concepts if c.frame and c.known and c.word in aspects] if subjects else []
        cover = {}
        for hit in hits:
            terms = self.passage_terms(hit.pid) | self.context_terms(hit.pid)
            # "side effects of chemotherapy": a passage naming chemotherapy but no side effects does not cover it
            answers_aspect = not asked_aspects or any(c.terms & terms for c in asked_aspects)
            cover[hit.pid] = self.coverage(concepts, terms) if answers_aspect else 0.0
        best = max(cover.values())
        if best < min_coverage:
            return Selection([], best, concepts)
        top_score = max(h.score for h in hits) or 1.0
        weights = self._term_weights(query)
        first_subject = next((c.terms for c in concepts if not c.frame), frozenset())
        definition = bool(_DEFINITION_QUESTION.match(query.text))
        heading_answers = {h.pid: self.coverage(concepts, self._heading_terms(h.pid)) >= 0.75 for h in hits}
        units: list[Unit] = []
        for hit in hits:
            if cover[hit.pid] < min_coverage:
                continue
            prior = 0.7 + 0.3 * (hit.score / top_score)
            context = self.context_terms(hit.pid) | self.passage_terms(hit.pid)
            heading = self._heading_terms(hit.pid) if heading_answers.get(hit.pid) else frozenset()
            for unit in self._units(hit.pid, weights):
                # In choosing sentences the frame ("side effects") is what sets the answer apart, so it
                # weighs fully and must be in the sentence itself (or in a heading that restates the
                # question); the subject may come from around the sentence.
                gained = 0.0
                for concept in concepts:
                    if concept.terms & (unit.terms | heading):
                        gained += concept.weight
                    elif not concept.frame and concept.terms & context:
                        gained += (0.7 if concept.word in carried else 0.5) * concept.weight
                if definition and self._defines(unit.text, first_subject):
                    gained *= 1.3
                if heading:
                    gained *= 1.2  # the page's own heading restates the question
                if asked_aspects and not any(c.terms & (unit.terms | heading) for c in asked_aspects):
                    gained *= 0.5  # it names the subject but not what was asked about it
                unit.score = gained * prior / (1.0 + 0.004 * len(unit.text.split()))
                units.append(unit)
        chosen = self._choose(units)
        return Selection(chosen, best, concepts)

    def _heading_terms(self, pid: int) -> frozenset[str]:
        return self._cached("heading", pid, self._compute_heading_terms)

    def _compute_heading_terms(self, pid: int) -> frozenset[str]:
        section = self.index.passage(pid).section
        return frozenset(self.index.analyzer.terms(section)) if section else frozenset()

    def _reviewed(self, pid: int) -> str:
        return self.index.document_of(pid).get("reviewed") or ""

    def _defines(self, text: str, subject_terms: frozenset[str]) -> bool:
        """'Biologics are ...', 'BCG is ...': the subject opens the sentence, before a defining verb."""
        verb = _DEFINING_VERB.search(text[:160])
        if not verb:
            return False
        opening = self.index.analyzer.terms(text[: verb.start()])
        return 0 < len(opening) <= 8 and bool(set(opening) & subject_terms)

    def _term_weights(self, query: Query) -> dict[str, float]:
        idf = self.index.matrix.idf
        weights: dict[str, float] = {}
        for term in query.terms:
            term_id = self.index.term_ids.get(term.term)
            if term_id is not None:
                weights[term.term] = max(weights.get(term.term, 0.0), term.weight * float(idf[term_id]))
        return weights

    def _units(self, pid: int, weights: dict[str, float]) -> list[Unit]:
        units: list[Unit] = []
        for entry in self._cached("structure", pid, self._structure):
            if entry[0] == "sentence":
                _, spans, body, terms = entry
                units.append(Unit(pid, list(spans), body, terms))
            else:
                units.append(self._list_unit(pid, entry, weights))
        return units

    def _structure(self, pid: int) -> list[tuple]:
        """A passage as sentences (a pronoun-led one paired with the one before) and lists."""
        analyzer = self.index.analyzer
        text = self.index.passage(pid).text
        entries: list[tuple] = []
        lines = line_spans(text)
        i = 0
        while i < len(lines):
            start, end = lines[i]
            line = text[start:end]
            is_bullet = line.lstrip().startswith("•")
            opens_list = (
                line.rstrip().endswith(":") and i + 1 < len(lines) and text[lines[i + 1][0] :].lstrip().startswith("•")
            )
            if is_bullet or opens_list:
                lead = None if is_bullet else (start, end)
                j = i + (0 if lead is None else 1)
                items = []
                while j < len(lines) and text[lines[j][0] : lines[j][1]].lstrip().startswith("•"):
                    items.append(lines[j])
                    j += 1
                groups: list[list[tuple[int, int]]] = []
                for span in items:  # a nested item stays with the item that introduces it
                    if text[span[0] : span[1]].startswith("  ") and groups:
                        groups[-1].append(span)
                    else:
                        groups.append([span])
                group_terms = [frozenset(analyzer.terms(" ".join(text[a:b] for a, b in g))) for g in groups]
                lead_terms = frozenset(analyzer.terms(text[lead[0] : lead[1]])) if lead else frozenset()
                entries.append(("list", text, lead, groups, group_terms, lead_terms))
                i = j
                continue
            previous: tuple[int, int] | None = None
            for s, e in sentence_spans(text, start, end):
                spans = ((s, e),) if previous is None or not ANAPHORA.match(text[s:e]) else (previous, (s, e))
                body = " ".join(text[a:b] for a, b in spans)
                entries.append(("sentence", spans, body, frozenset(analyzer.terms(body))))
                previous = (s, e)
            i += 1
        return entries

    def _list_unit(self, pid: int, entry: tuple, weights: dict[str, float]) -> Unit:
        """A list with its lead-in. Items that answer the question are kept; when none stands out,
        the first items are kept."""
        _, text, lead, groups, group_terms, lead_terms = entry
        scores = [sum(w for t, w in weights.items() if t in terms and t not in lead_terms) for terms in group_terms]
        best = max(scores, default=0.0)
        if best > 0 and sum(1 for x in scores if x >= 0.6 * best) < len(groups):
            keep = [k for k, x in enumerate(scores) if x >= 0.6 * best][:MAX_LIST_ITEMS]
        else:
            keep = list(range(min(len(groups), MAX_LIST_ITEMS)))
        spans = ([lead] if lead else []) + [span for k in keep for span in groups[k]]
        body = "\n".join(text[a:b].strip() for a, b in spans)
        terms = lead_terms.union(*(group_terms[k] for k in keep)) if keep else lead_terms
        return Unit(pid, spans, body, terms)

    def _choose(self, units: list[Unit]) -> list[Unit]:
        """Up to MAX_UNITS units scoring within 75% of the best, without repeating a fact. A sentence
        continued by the next ("They consist of ...") grows into the pair; a fact repeated by a more
        recently reviewed page, about as well matched, is cited from that page instead."""
        ranked = sorted(units, key=lambda u: (-u.score, u.pid, u.spans[0][0]))
        if not ranked:
            return []
        best = ranked[0].score
        chosen: list[Unit] = []
        for unit in ranked:
            if unit.score < 0.75 * best:
                break
            extended = next(
                (k for k, c in enumerate(chosen) if unit.pid == c.pid and set(c.spans) < set(unit.spans)), None
            )
            if extended is not None:
                chosen[extended] = unit
                continue
            repeated = next((k for k, c in enumerate(chosen) if _overlap(unit, c)), None)
            if repeated is not None:
                current = chosen[repeated]
                if (
                    unit.pid != current.pid
                    and unit.score >= 0.85 * current.score
                    and self._reviewed(unit.pid) > self._reviewed(current.pid)
                ):
                    chosen[repeated] = unit
                continue
            if len(chosen) >= MAX_UNITS:
                continue
            if chosen and sum(len(c.text.split()) for c in chosen) + len(unit.text.split()) > MAX_ANSWER_WORDS:
                continue
            chosen.append(unit)
        return _reading_order(chosen)


def _reading_order(units: list[Unit]) -> list[Unit]:
    """Passages in the order of their best unit; within a passage, sentences in the order written, so
    that "There is also ..." or "These tend to ..." follow what they refer back to."""
    first_seen: dict[int, int] = {}
    for rank, unit in enumerate(units):
        first_seen.setdefault(unit.pid, rank)
    return sorted(units, key=lambda u: (first_seen[u.pid], u.spans[0][0]))


def _overlap(a: Unit, b: Unit) -> bool:
    if a.pid == b.pid and any(sa < eb and sb < ea for sa, ea in a.spans for sb, eb in b.spans):
        return True
    if not a.terms or not b.terms:
        return False
    return len(a.terms & b.terms) / min(len(a.terms), len(b.terms)) >= 0.6
