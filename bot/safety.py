"""Emergency, crisis and personal-advice detection from the curated lexicon in ``data/safety.json``.

A symptom pattern makes a message ``urgent`` when it is not negated ("I don't have chest pain") and
the message is about someone now ("I", "my", "my child") rather than a general or hypothetical
question ("can lenalidomide cause blood clots?", "what if I get a fever?"). A symptom with no one
named ("chest pain revlimid") counts only as a mention. ``bot.urgency`` weighs these readings together
with a classifier on sentence vectors and makes the final call. A message that names an emergency
service ("the poison control number", "a crisis line") is read for that too: its kind's notice line
gives the number, which the pages may not.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .analysis import drug_name_regex, fold

SAFETY_FILE = Path(__file__).resolve().parent / "data" / "safety.json"
DRUG_SLOT = "{drug}"  # in a pattern: any drug name (the brand table's names, or a drug's word ending)
KINDS = ("crisis", "poison", "fever", "emergency")  # most specific first
_PARTS = re.compile(r"[,.;:!?\n]+")
_RESOLVED = re.compile(r"\b(fine|ok|okay|better|gone|over) now\b")
_CLAUSE_END = re.compile(r"[.;!?\n]+\s*|,?\s+(?=(?:also|btw|but|plus|and now|oh and)\b)")


@dataclass(frozen=True)
class Assessment:
    urgent_kind: str | None  # "emergency" | "poison" | "crisis" | "fever" | None
    matched: tuple[str, ...]  # pattern ids, urgent or not
    mentions_emergency: bool  # a symptom is named, but as a question: add the notice
    personal_advice: bool
    past: bool = False  # "years ago", "it went away": told as something over
    present: bool = False  # "now", "this morning", "help": told as happening
    question: bool = False  # phrased as a question
    person: bool = False  # names someone ("I", "my", "my son"): a look-up ("chest pain revlimid") names no one
    hypothetical: bool = False  # "what if", "signs of", "does it cause": asked about, not told
    service: str | None = None  # the kind whose service the message names ("poison control"): its notice


@dataclass(frozen=True)
class _Pattern:
    id: str
    kind: str
    needs_person: bool
    regex: re.Pattern[str]


class SafetyChecker:
    def __init__(self, path: Path = SAFETY_FILE) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        drug = drug_name_regex()
        self.patterns = tuple(
            _Pattern(p["id"], p["kind"], bool(p["needs_person"]), re.compile(p["regex"].replace(DRUG_SLOT, drug)))
            for p in data["patterns"]
        )
        for pattern in self.patterns:
            if pattern.kind not in KINDS:
                raise ValueError(f"{path.name}: pattern {pattern.id!r} has unknown kind {pattern.kind!r}")
        self.person = re.compile(data["person"])
        self.question = re.compile(data["question"])
        self.hypothetical = re.compile(data["hypothetical"])
        self.informational_crisis = re.compile(data["informational_crisis"])
        self.negation = re.compile(data["negation"])
        self.advice = re.compile(data["advice"])
        self.past = re.compile(data["past"])
        self.negated_clause = re.compile(data["negated_clause"])
        self.present = re.compile(data["present"])
        self.long_ago = re.compile(data["long_ago"])
        self.denied_after = re.compile(data["denied_after"])
        self.services = {kind: re.compile(regex) for kind, regex in data.get("services", {}).items()}
        if set(self.services) - set(KINDS):
            raise ValueError(f"{path.name}: services of unknown kinds {sorted(set(self.services) - set(KINDS))}")
        self.replies: dict[str, dict] = data["replies"]
        self.notices: dict[str, str] = data["notices"]
        for kind in KINDS:
            if kind not in self.replies or kind not in self.notices:
                raise ValueError(f"{path.name}: no reply or notice for kind {kind!r}")

    def reading(self, clause: str) -> dict[str, float]:
        """How one clause is put: asked, supposed ("what if"), told as past, told as happening now."""
        text = re.sub(r"\s+", " ", fold(clause)).strip()
        return {
            "question": float(bool(self.question.search(text)) or text.endswith("?")),
            "hypothetical": float(bool(self.hypothetical.search(text))),
            "past": float(bool(self.past.search(text))),
            "present": float(bool(self.present.search(text))),
        }

    def assess(self, message: str) -> Assessment:
        text = fold(message)
        text = re.sub(r"\s+", " ", text).strip()
        # "my mom is starting lenalidomide, how is it taken": a question in any clause makes it a question
        is_question = any(self.question.search(part.strip()) for part in _PARTS.split(text)) or text.endswith("?")
        about_someone = bool(self.person.search(text))
        hypothetical = bool(self.hypothetical.search(text))
        urgent: set[str] = set()
        matched: list[str] = []
        for pattern in self.patterns:
            for match in pattern.regex.finditer(text):
                if self.negation.search(text[max(0, match.start() - 40) : match.start()]):
                    continue
                if self.denied_after.search(text[match.end() : match.end() + 60]):  # "chest pain, I haven't had any"
                    continue
                matched.append(pattern.id)
                # a question or a "what if" asks about the symptom in its own clause only: "do steroids cause
                # weight gain. also i suddenly have the worst headache of my life" tells of one
                clause = _piece_at(text, match.start(), _CLAUSE_END, with_end=True)  # with its end mark
                asked = bool(self.question.search(clause.strip())) or clause.rstrip().endswith("?")
                supposed = bool(self.hypothetical.search(clause))
                # "I had a stroke in 2015, the neurologist cleared me": history, unless something in the
                # same part is now ("fine now" is not); "..., stopped my aspirin last week" dates the aspirin
                part = _RESOLVED.sub(" ", _piece_at(text, match.start(), _PARTS, with_end=False))
                history = bool(self.long_ago.search(part)) and not self.present.search(part)
                if pattern.kind == "crisis":  # always taken as now
                    if about_someone and not (asked and self.informational_crisis.search(clause)):
                        urgent.add("crisis")
                elif history or (supposed and is_question):  # "if my kid ever got into my pills, who do I call"
                    pass
                elif pattern.needs_person:
                    # with no one named ("chest pain revlimid") it may be a look-up: the classifier decides
                    # ... unless it is told as happening now: "vomiting blood just now", "bleeding won't stop"
                    if (about_someone or (self.present.search(clause) and not asked)) and not supposed:
                        urgent.add(pattern.kind)
                elif not (asked and (supposed or not about_someone)):  # "what happens if I double dose?"
                    urgent.add(pattern.kind)
                break
        kind = next((k for k in KINDS if k in urgent), None)
        return Assessment(
            kind,
            tuple(dict.fromkeys(matched)),
            bool(matched) and kind is None,
            bool(self.advice.search(text)),
            bool(self.past.search(text)),
            bool(self.present.search(text)),
            is_question,
            about_someone,
            hypothetical,
            next((k for k in KINDS if k in self.services and self.services[k].search(text)), None),
        )


def _piece_at(text: str, position: int, boundaries: re.Pattern[str], with_end: bool) -> str:
    """The piece of the text between two boundaries around a position, with its end mark or without."""
    start = 0
    for boundary in boundaries.finditer(text):
        if boundary.end() > position:
            return text[start : boundary.end() if with_end else boundary.start()]
        start = boundary.end()
    return text[start:]


@lru_cache(maxsize=1)
def default_checker() -> SafetyChecker:
    return SafetyChecker()
