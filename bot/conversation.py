"""Follow-up resolution and the sealed conversation context.

The server keeps no per-user state. Each reply carries ``context``: the topic words of the
conversation so far that are index terms (never other words the user typed), encrypted and signed
with a key derived from the app's secret key, and stamped so it expires after ``TOKEN_MAX_AGE``
seconds. The client sends it back with the next message. A forged, expired or malformed context
reads as "no context".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .analysis import aspect_words, fold, frame_words, words
from .sealing import Sealer

CONTEXT_PURPOSE = "bot.context.v2"
DEFAULT_TOKEN_MAX_AGE = 4 * 3600
MAX_CONTEXT_CHARS = 2048
MAX_TOPIC_WORDS = 8
FOLLOW_UP_PRONOUNS = frozenset({"it", "its", "they", "them", "their", "this", "that", "these", "those", "one", "ones"})
# "is it safe to", "it's normal that": an "it" that stands for the clause after the judgement ("safe",
# "normal", the question-framing words that judge), not for the last topic. "Likely to" keeps its "it" as
# the subject ("is it likely to cause clots"), and a participle ("is it given to children") is no judgement.
_AS_IT_IS = frozenset({"is", "was", "isn't", "isnt", "wasn't", "wasnt", "would", "will"})
_JUDGED_CLAUSE = frozenset({"to", "that", "if", "for"})
# "what about X", "and X?", and the same asked again of X: "same for X", "same risk with X", "is it the same with X"
_WHAT_ABOUT = re.compile(
    r"^\s*(?:what|how)\s+about\b|^\s*and\s+(?:what\s+about\s+)?|^\s*(?:(?:is|are)\s+(?:it|that|they)\s+)?(?:the\s+)?same\b"
)


@dataclass(frozen=True)
class Context:
    subject: tuple[str, ...] = ()  # topic words of the last answered question
    frame: tuple[str, ...] = ()  # what was asked about it ("side effects", "given")
    turns: int = 0


@dataclass
class Resolved:
    text: str  # the question as retrieval sees it
    follow_up: bool
    subject: tuple[str, ...] = field(default_factory=tuple)
    about: tuple[str, ...] = field(default_factory=tuple)  # for the reader: what a follow-up was taken to mean


class ContextCodec:
    """Seals a Context into a token and opens it again. ``vocabulary`` says which words may travel: only
    index terms do, so a name or a diagnosis the sources never mention is never put in a token."""

    def __init__(
        self,
        secret_key: str,
        max_age: int = DEFAULT_TOKEN_MAX_AGE,
        vocabulary: Callable[[str], bool] | None = None,
    ) -> None:
        self._sealer = Sealer(secret_key, CONTEXT_PURPOSE, max_age)
        self._vocabulary = vocabulary or (lambda _: True)

    def _keep(self, words: tuple[str, ...]) -> list[str]:
        return [w for w in words if self._vocabulary(w)][:MAX_TOPIC_WORDS]

    def dumps(self, context: Context) -> str:
        return self._sealer.seal({"s": self._keep(context.subject), "f": self._keep(context.frame), "t": context.turns})

    def loads(self, token: object) -> Context:
        if not isinstance(token, str) or not token or len(token) > MAX_CONTEXT_CHARS:
            return Context()
        data = self._sealer.open(token)
        if not isinstance(data, dict):
            return Context()
        subject, frame, turns = data.get("s"), data.get("f"), data.get("t")
        if not (
            isinstance(subject, list)
            and isinstance(frame, list)
            and _word_list(subject)
            and _word_list(frame)
            and isinstance(turns, int)
        ):
            return Context()
        return Context(tuple(subject), tuple(frame), max(0, turns))


def _word_list(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) <= MAX_TOPIC_WORDS * 2
        and all(isinstance(w, str) and len(w) <= 40 and re.fullmatch(r"[a-z0-9]+", w) for w in value)
    )


def _standing_for_a_clause(in_order: list[str]) -> set[int]:
    """Where "it" is the one of "is it safe to ..." or "it's normal that ...": "is it" or "it is/'s",
    then (after at most one word: "really") a judging word of the question, then a clause; with the
    "that" opening the clause, which is no pronoun either."""
    judging = frame_words()
    found: set[int] = set()
    for at, word in enumerate(in_order):
        if word != "it":
            continue
        if at > 0 and in_order[at - 1] in _AS_IT_IS:
            after = at + 1
        elif in_order[at + 1 : at + 2] in (["is"], ["s"], ["was"]):
            after = at + 2
        else:
            continue
        for judged in (after, after + 1):
            if judged + 1 < len(in_order) and in_order[judged] in judging and in_order[judged + 1] in _JUDGED_CLAUSE:
                verdict, clause = in_order[judged], in_order[judged + 1]
                if not verdict.endswith(("ed", "en", "ing")) and not (verdict == "likely" and clause == "to"):
                    found |= {at, judged + 1}
                break
    return found


def resolve(
    question: str,
    context: Context,
    subject_words: list[str],
    frame_words: list[str],
    asked: bool = True,
    is_drug: Callable[[str], bool] = lambda word: False,
) -> Resolved:
    """Rewrite a follow-up using the previous turn's topic.

    ``subject_words``/``frame_words`` are the question's own content words, split by the caller;
    ``asked``: whether it is put as a question (the safety lexicon's reading).
    - "what about lenalidomide?": the new subject with the previous frame;
    - "what are its side effects?", "give me examples": the previous subject with this question;
    - "and the rare ones?": the previous subject and frame with this question.
    """
    if not context.subject:
        return Resolved(question, False, tuple(subject_words))
    continuation = bool(_WHAT_ABOUT.search(fold(question)))
    # "and its side effects?" asks its own aspect: what was asked before ("how does it work") is not
    # asked again, where "and the rare ones?" asks it again
    previous_frame = () if aspect_words() & set(frame_words) else context.frame
    if continuation and subject_words:
        # a new drug takes the old one's place; what was asked of it stays, whether the previous question
        # framed it ("side effects") or named it ("clots" in "blood clots on thalidomide, is that a thing")
        kept = [w for w in context.subject if not is_drug(w)] if any(is_drug(w) for w in subject_words) else []
        asked_of = tuple(dict.fromkeys(w for w in (*kept, *previous_frame) if w not in subject_words))
        return Resolved(f"{question} {' '.join(asked_of)}", True, tuple(subject_words), (*subject_words, *asked_of))
    # "hello", "cool", "bye" name no topic but ask nothing either: they do not continue the last one
    asks = continuation or bool(frame_words) or asked
    # a pronoun after a drug the message names stands for that drug: "imiquimod cream, how often do I put
    # it on" after a prednisone question asks of imiquimod ("can I take it with imiquimod" still points back)
    in_order = words(question)
    not_pronouns = _standing_for_a_clause(in_order)
    pronoun_at = next((i for i, w in enumerate(in_order) if w in FOLLOW_UP_PRONOUNS and i not in not_pronouns), None)
    own_drug_at = next((i for i, w in enumerate(in_order) if w in subject_words and is_drug(w)), None)
    points_back = pronoun_at is not None and (own_drug_at is None or pronoun_at < own_drug_at)
    if (not subject_words and asks) or points_back:
        merged = tuple(dict.fromkeys([*context.subject, *subject_words]))[:MAX_TOPIC_WORDS]
        # "and the rare ones?" continues the question as well as the topic, and so does a question with
        # no word of its own: "so what do I have to do then?" after "is thalidomide dangerous in pregnancy"
        whole = continuation or not (subject_words or frame_words)
        carried = (*context.subject, *(previous_frame if whole else ()))
        return Resolved(f"{question} {' '.join(carried)}", True, merged, context.subject)
    return Resolved(question, False, tuple(subject_words))
