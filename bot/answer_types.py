"""Answer types: a question that asks "how long", "how often", "when was", "what's the phone number" or
"how many" is answered only by a sentence that says a duration, a frequency, a date, a number to call or
a number.

The classes are the numeric classes of the standard question taxonomy (Li & Roth, "Learning Question
Classifiers", COLING 2002: NUM:period, NUM:date, NUM:count, NUM:perc, NUM:money, and NUM:code, whose
examples are telephone numbers), with frequency split from count, as "how often" is asked in its own
words. A question of no listed type has none, and nothing is required.
Each class names the wordings that ask it, and the expressions that answer it, in ``data/answer_types.json``.

"how long does the BCG flu feeling last" finds "Treatment with BCG can cause symptoms that are like having
the flu": on topic, and silent on how long. The type is what makes it a near miss.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "answer_types.json"
_SHARED_PART = re.compile(r"\{(\w+)\}")  # "{number}"; a repeat count such as "\d{3}" is left as it is


@dataclass(frozen=True)
class AnswerType:
    name: str
    missing: str  # what a refusal says no sentence told: "how long"
    asked: re.Pattern[str]  # a question of this type
    said: re.Pattern[str]  # a sentence that answers one


@lru_cache(maxsize=4)
def load(path: Path = DATA_FILE) -> tuple[AnswerType, ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    shared = data.get("shared", {})
    types = []
    for name, spec in data["types"].items():
        said = _SHARED_PART.sub(lambda m: shared.get(m[1], m[0]), "|".join(spec["said"]))
        asked = re.compile("|".join(spec["asked"]), re.I)
        types.append(AnswerType(name, spec["missing"], asked, re.compile(said, re.I)))
    return tuple(types)


def asked_type(question: str, types: tuple[AnswerType, ...] | None = None) -> AnswerType | None:
    """The first class, in the file's order, whose wording the question uses ("how many times" is a
    frequency before it is a count)."""
    for kind in types if types is not None else load():
        if kind.asked.search(question):
            return kind
    return None


def says(text: str, kind: AnswerType | None) -> bool:
    """The text holds an answer of that type; with no type, any text does."""
    return kind is None or bool(kind.said.search(text))
