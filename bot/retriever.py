"""Question -> ranked passage ids and scores. Text comes from the index's store, not from here."""

from __future__ import annotations

from dataclasses import dataclass

from .analysis import QueryTerm
from .index import Index


@dataclass(frozen=True)
class Hit:
    pid: int
    score: float


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[QueryTerm, ...]

    def groups(self, term_ids: dict[str, int]) -> list[dict[int, float]]:
        """One group per question word: the word's term (or its spelling fix) and its expansions."""
        by_concept: dict[str, dict[int, float]] = {}
        order: list[str] = []
        question_terms = {t.concept: t.term for t in self.terms if t.source != "expansion"}
        for term in self.terms:
            term_id = term_ids.get(term.term)
            if term_id is None:
                continue
            concept = term.concept
            if term.source == "expansion":
                # an expansion of a phrase joins the group of the phrase's first question word present
                concept = next((w for w in concept.split() if w in question_terms), concept)
            if concept not in by_concept:
                by_concept[concept] = {}
                order.append(concept)
            group = by_concept[concept]
            if term.source == "expansion":
                group[term_id] = max(group.get(term_id, 0.0), term.weight)
            else:
                group[term_id] = group.get(term_id, 0.0) + term.weight
        return [by_concept[c] for c in order]


class Retriever:
    def __init__(self, index: Index) -> None:
        self.index = index

    def parse(self, text: str) -> Query:
        return Query(text, tuple(self.index.expander.expand(text)))

    def search(self, query: Query | str, k: int = 10, doc_ids: set[str] | None = None) -> list[Hit]:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if isinstance(query, str):
            query = self.parse(query)
        wanted = k if doc_ids is None else max(k * 20, 200)
        ids, scores = self.index.matrix.top_k_groups(query.groups(self.index.term_ids), wanted)
        hits = [Hit(int(i), float(s)) for i, s in zip(ids, scores)]
        if doc_ids is not None:
            hits = [h for h in hits if self.index.document_of(h.pid)["id"] in doc_ids]
        return hits[:k]
