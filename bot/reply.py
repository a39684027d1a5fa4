"""The answer object: the contract the web page, the API and the checks rely on."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

DISCLAIMER = "This is general information, not medical advice. Ask your care team about your own treatment."


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    title: str
    publisher: str | None
    url: str | None
    section: str | None
    reviewed: str | None
    passage: str
    start: int
    end: int
    score: float | None = None
    highlights: tuple[str, ...] = ()  # words of the passage that match the question, for the page to mark


@dataclass(frozen=True)
class Segment:
    """One piece of the answer and the citation it comes from; its lines are verbatim in that passage."""

    text: str
    n: int


@dataclass
class Answer:
    type: str  # "answer" | "no_answer" | "urgent"
    answer: str
    citations: list[Citation]
    context: str
    disclaimer: str = DISCLAIMER
    segments: list[Segment] = field(default_factory=list)
    notice: str | None = None  # a fixed safety line shown beside (not inside) the answer
    actions: list[dict[str, str]] = field(default_factory=list)  # phone numbers to offer: {"label", "tel"}
    follow_up_topic: str | None = None  # what a follow-up was taken to be about ("Revlimid")
    suggestions: list[str] = field(default_factory=list)
    emergency: dict[str, str] | None = None  # {"kind", "text"} on urgent replies: the card shown first

    def to_dict(self) -> dict[str, Any]:
        # by hand rather than dataclasses.asdict, which deep-copies every passage on every reply
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["citations"] = [{f.name: getattr(c, f.name) for f in fields(c)} for c in self.citations]
        for citation in data["citations"]:
            citation["highlights"] = list(citation["highlights"])
        data["segments"] = [{"text": s.text, "n": s.n} for s in self.segments]
        data["actions"] = [dict(a) for a in self.actions]
        data["suggestions"] = list(self.suggestions)
        data["emergency"] = dict(self.emergency) if self.emergency else None
        return data
