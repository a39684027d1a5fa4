"""``Bot``: one question in, one answer object out. Pure Python; the web app and the CLI wrap it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import calibration
from . import index as index_module
from .analysis import names_drug_or_condition, words
from .candidates import READING_DIMENSIONS, Candidates, PassageFacts, Unit, encoder_texts, gather
from .choose import (
    decide,
    defines_subject,
    naming_items,
    on_the_defined_subject,
    select,
    with_section_openers,
    with_the_drug_named,
    without_bare_names,
    without_unnamed_drugs,
)
from .conversation import FOLLOW_UP_PRONOUNS, MAX_TOPIC_WORDS, Context, ContextCodec, resolve
from .encoder import Encoder, shared_encoder
from .errors import ConfigError, InputError, MessageTooLong
from .index import BuildConfig, Index
from .parse import ParsedQuestion, parse, specificity, the_sentence_that_asks
from .privacy import index_vocabulary
from .reply import Answer, Citation, Segment
from .retriever import Hit, Query, Retriever
from .safety import SafetyChecker, default_checker
from .settings import load_settings
from .urgency import COMBINER_FEATURES, Urgency, UrgencyDetector, UrgencyModel

SUGGESTION_PASSAGES = 10  # passages searched for one that speaks of a suggested question's words
ADVICE_QUERY = "never stop taking your medication or change your dose without consulting your doctor"
WARM_UP_QUESTION = "what are the side effects of lenalidmide, and how is it given?"  # misspelt on purpose
# A question word at least this specific (rarer than about 1 in 16,000 words of everyday English) names
# a topic of its own ("thalidomide", "shingles"); commoner words ("examples", "group", "baby") don't,
# so a message made only of them continues the previous topic.
TOPIC_SPECIFICITY = 0.4
_TOPIC_WORD = re.compile(r"[a-z0-9]+")  # what a sealed context may carry
# "good morning" opens a chat and asks nothing, though "morning" is a word the pages use ("take it in
# the morning"); "hi" and "hello" are stopwords
_GREETING = re.compile(r"^\W*good\s+(?:morning|afternoon|evening|day)\b", re.IGNORECASE)
_DISCOURSE_OPENER = re.compile(r"^\W*(?:(?:so|and|but|ok|okay|well|then|right|alright)\b\W*)+", re.IGNORECASE)
_TO_THE_BOT = frozenset({"you", "your", "yourself", "u"})  # "what can you do?" asks about the bot
_THANKS = frozenset({"thanks", "thank", "thx", "ty", "cheers"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# how much of an over-long message is still read for an emergency (the web's request limit is 64 KB)
LONGEST_READ_FOR_EMERGENCY = 65536


def _readable(message: object) -> str:
    """The message as text, control characters blanked; an error for a non-string or an empty one."""
    if not isinstance(message, str):
        raise InputError("message must be a string")
    message = _CONTROL.sub(" ", message.encode("utf-8", "replace").decode("utf-8")).strip()
    if not message:
        raise InputError("message is empty: type a question")
    return message


@dataclass(frozen=True)
class Understood:
    candidates: Candidates
    context: Context  # the context an answer carries forward
    refused_context: Context  # ... and a refusal: a question that named no topic keeps the old one
    topic: tuple[str, ...]  # what a follow-up was taken to be about


def as_written(word: str, text: str) -> str:
    """How a text spells a word mid-sentence: "bcg" -> "BCG", "revlimid" -> "Revlimid"."""
    forms = re.findall(rf"(?:(?<=[a-z,;] )|(?<=\())({re.escape(word)})\b", text, re.IGNORECASE)
    return max(set(forms), key=forms.count) if forms else word


def _quote(text: str, spans: tuple[tuple[int, int], ...], item: bool) -> str:
    """The spans as written: a list's lines, or a paragraph break between two sentences, stay on lines
    of their own, so every line of a quote is a verbatim piece of the passage."""
    out = text[spans[0][0] : spans[0][1]].strip()
    for (_, end), (start, stop) in zip(spans, spans[1:]):
        out += ("\n" if item or "\n" in text[end:start] else " ") + text[start:stop].strip()
    return out


def _topics(parsed: ParsedQuestion) -> list[str]:
    """The words a question is about: its specific ones, and a hyphenated name the pages know ("IL-6")
    written solid, though its parts alone are common."""
    topics = [w.text for w in parsed.subjects if w.weight >= TOPIC_SPECIFICITY]
    solid = [t.concept.replace("-", "") for t in parsed.query.terms if t.source == "expansion" and "-" in t.concept]
    return list(dict.fromkeys([*topics, *solid]))


def _about(topic: tuple[str, ...], is_drug: Callable[[str], bool], spelled: Callable[[str], str] = str) -> str | None:
    """What a follow-up was taken to be about, as its label shows it: the drug it names first, then a
    condition, then the question's other words ("Revlimid, myeloma", "Revlimid, nerve")."""
    named_first = sorted(topic, key=lambda w: (not is_drug(w), not names_drug_or_condition(w)))
    return ", ".join(spelled(w) for w in named_first) or None


class Bot:
    def __init__(
        self,
        settings: Mapping[str, Any] | None = None,
        *,
        index: Index | None = None,
        safety: SafetyChecker | None = None,
        params: calibration.Params | None = None,
        encoder: Encoder | None = None,
        log: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.settings = dict(load_settings(settings or {}))
        self.index = index or index_module.ensure(
            Path(self.settings["INDEX_DIR"]),
            Path(self.settings["CORPUS_DIR"]),
            auto_rebuild=self.settings["AUTO_REBUILD"],
            config=BuildConfig(dense_max_passages=self.settings["DENSE_MAX_PASSAGES"]),
            log=log,
        )
        self.retriever = Retriever(self.index)
        self.facts = PassageFacts(self.index)
        self.params = params or calibration.load()
        self.dense = self.index.dense is not None
        dense_mode = self.params.modes.get("dense")
        for readings in (dense_mode.unknown_words, dense_mode.missing_words) if dense_mode else ():
            if readings is not None and len(readings.weights) != READING_DIMENSIONS:
                raise ConfigError(
                    f"the calibration reads a question word with {len(readings.weights)} numbers, this version "
                    f"with {READING_DIMENSIONS}: it was fitted by another version; run `python -m bot calibrate`"
                )
        # the emergency classifier reads sentence vectors whatever the corpus size; answers use them only
        # when the index has its dense stage
        self.encoder = encoder or shared_encoder()
        self.safety = safety or default_checker()
        urgent = UrgencyModel.from_dict(self.params.urgent) if self.params.urgent else None
        if urgent is not None and set(urgent.combiner.names) != set(COMBINER_FEATURES):
            raise ConfigError(
                f"the calibration's emergency classifier weighs {sorted(set(urgent.combiner.names))}, this version "
                f"reads {sorted(COMBINER_FEATURES)}: it was fitted by another version; run `python -m bot calibrate`"
            )
        self.urgency = UrgencyDetector(self.safety, self.encoder, urgent)
        self.codec = ContextCodec(
            self.settings["SECRET_KEY"], self.settings["TOKEN_MAX_AGE"], index_vocabulary(self.index)
        )
        self._advice: list[Unit] | None = None

    # -- input ---------------------------------------------------------------------------------
    def clean_message(self, message: object) -> str:
        message = _readable(message)
        limit = self.settings["MAX_MESSAGE_CHARS"]
        if len(message) > limit:
            raise MessageTooLong(f"message is {len(message)} characters; the limit is {limit}")
        return message

    # -- search ------------------------------------------------------------------------------
    def search(self, question: str, k: int = 10, doc_ids: set[str] | None = None) -> list[dict[str, Any]]:
        question = self.clean_message(question)
        results = []
        query = self.retriever.parse(question)
        for hit in self.retriever.search(query, k, doc_ids):
            passage = self.index.passage(hit.pid)
            doc = self.index.document_of(hit.pid)
            results.append(
                {
                    "passage": passage.text,
                    "title": doc["title"],
                    "publisher": doc["publisher"],
                    "section": passage.section,
                    "score": round(hit.score, 4),
                    "doc_id": doc["id"],
                    "reviewed": doc["reviewed"],
                    "url": doc["url"],
                    "start": passage.start,
                    "end": passage.end,
                    "highlights": list(self.matching_words(hit.pid, query)),
                }
            )
        return results

    # -- ask ---------------------------------------------------------------------------------
    def ask(self, message: object, context: object = None) -> Answer:
        question = self.clean_message(message)
        previous = self.codec.loads(context)
        self._encode_ahead(question)
        urgency = self.urgency.assess(question)
        if urgency.level == "card":
            rest = None
            if urgency.informational.strip():
                # "my dad took two of his thalidomide by mistake, also what are its side effects": the
                # question's "its" is the drug the emergency part names, not the previous turn's topic
                rest = self._reply(urgency.informational, self._own_topic(question, previous), None)
            return self._urgent(urgency, previous, rest if rest is not None and rest.type == "answer" else None)
        if not self._asks_something(question, previous):  # "thanks!", "ok", "what can you do?"
            return self._no_answer(previous, self._notice(urgency), (), self._help_text(message=question))
        return self._reply(question, previous, self._notice(urgency), urgency.assessment.personal_advice)

    def _encode_ahead(self, question: str) -> None:
        """The emergency probe's clauses and the question's own texts in one encoder pass: most of a
        pass's cost is reading the weights, whatever the batch. Later stages find them cached."""
        texts = self.urgency.encoder_texts(question)
        if self.dense:
            texts += encoder_texts(self.parse(question), self.index)
        if texts:
            self.encoder.encode_cached(list(dict.fromkeys(texts)))

    def _asks_something(self, message: str, previous: Context) -> bool:
        """A word the index could match, a pronoun that points back at the previous topic, or, after a
        topic, a question put in function words alone that is not about the bot ("so what do I have to
        do then?", "why?"; not "what can you do?"). Thanks not put as a question ask nothing."""
        message = _GREETING.sub(" ", message)
        said = set(words(message))
        if _THANKS & said and not self._put_as_question(message):  # "thank you so much" ("much" is a page word)
            return False
        if self.index.analyzer.terms(message) or FOLLOW_UP_PRONOUNS & said:
            return True
        return bool(previous.subject) and self._put_as_question(message) and not _TO_THE_BOT & said

    def _put_as_question(self, message: str) -> bool:
        """The safety lexicon reads it as a question, once a leading "so", "and" or "ok" is set aside."""
        return self.safety.reading(_DISCOURSE_OPENER.sub("", message))["question"] > 0

    def _help_text(self, asked: ParsedQuestion | None = None, message: str = "") -> str:
        """What the bot does, with an example, after a "you're welcome" for thanks. A message that asks
        what is asked of a medicine but names none ("side effects?") is asked which one, with the
        starter question that asks the same."""
        welcome = "You're welcome. " if _THANKS & set(words(message or (asked.text if asked else ""))) else ""
        return welcome + self._what_the_bot_does(asked)

    def _what_the_bot_does(self, asked: ParsedQuestion | None) -> str:
        s = self.settings
        care = (
            f"For advice about your own treatment, please ask your care team, or call {s['HELPLINE_NAME']} at "
            f"{s['HELPLINE_PHONE']}."
        )
        analyzer = self.index.analyzer
        framing = {analyzer.stem(w.text) for w in asked.words if w.frame} if asked is not None else set()
        alike = [q for q in s["STARTER_QUESTIONS"] if framing & set(analyzer.terms(q))]
        if alike:
            best = max(alike, key=lambda q: len(framing & set(analyzer.terms(q))))
            return f"Which medicine or treatment do you mean? For example: \u201c{best}\u201d {care}"
        example = f" For example: \u201c{s['STARTER_QUESTIONS'][0]}\u201d" if s["STARTER_QUESTIONS"] else ""
        return f"I answer questions from the pages I was given, and cite the source of each sentence.{example} {care}"

    def _own_topic(self, message: str, previous: Context) -> Context:
        """The specific words of the whole message the pages know, as the topic its parts lean on."""
        parsed = self.parse(message)
        unknown = {w.text for w in parsed.words if not w.known}  # a solid name is known: the index had it
        topics = [w for w in _topics(parsed) if w not in unknown and _TOPIC_WORD.fullmatch(w)]
        return Context(tuple(topics[:MAX_TOPIC_WORDS]), (), previous.turns) if topics else previous

    def _reply(self, question: str, previous: Context, notice: str | None, advice: bool = False) -> Answer:
        understood = self.understand(question, previous)
        reply = self._reply_to(understood, notice, advice)
        if reply.type != "answer" and understood.topic and self._names_own_subject(question):
            # read as a follow-up it was refused, but it names a topic of its own ("where do the clots from
            # these pills start?" after a question on the helpline): read on its own, it may be answered
            alone = self._reply_to(self.understand(question, Context((), (), previous.turns)), notice, advice)
            if alone.type == "answer":
                return alone
        if reply.type != "answer":
            part = self._reply_by_sentence(question, previous, notice, advice)
            if part is not None:
                return part
        return reply

    def _reply_by_sentence(self, question: str, previous: Context, notice: str | None, advice: bool) -> Answer | None:
        """A message refused whole may ask in one sentence and set the scene in the others ("is
        dexamethasone a steroid? my dad takes it with his pomalyst"): the scene's words weigh on what
        is asked. The asking sentence is put alone, with the whole message's topic as what a pronoun in
        it points back to. A scene sentence is never answered in its stead."""
        asking = the_sentence_that_asks(question)
        if asking is None:
            return None
        reply = self._reply_to(self.understand(asking, self._own_topic(question, previous)), notice, advice)
        return reply if reply.type == "answer" else None

    def _names_own_subject(self, question: str) -> bool:
        return any(w.known and not w.frame for w in self.parse(question).words)

    def _reply_to(self, understood: Understood, notice: str | None, advice: bool) -> Answer:
        if not understood.candidates.question.subjects:
            # only words that frame a question ("I'm scared", "help", "how is it given?" before any topic):
            # every passage would look on topic, so ask for one instead of quoting any
            return self._no_answer(
                understood.refused_context, notice, (), self._help_text(understood.candidates.question)
            )
        mode = self.params.mode(self.dense)
        selection = select(understood.candidates, mode)
        decision = decide(understood.candidates, selection, mode, self.facts)
        if not decision.answer:
            return self._no_answer(understood.refused_context, notice, understood.topic)
        parsed = understood.candidates.question
        units = list(without_unnamed_drugs(without_bare_names(selection, parsed, self.facts), parsed, self.facts))
        if not units:  # only a list item naming the drug, for what else was asked ("side effects of Xeljanz")
            return self._no_answer(understood.refused_context, notice, understood.topic)
        if defines_subject(selection, parsed):  # "• Malaise (a feeling of ...)" says it: nothing need lead it in
            units = list(on_the_defined_subject(tuple(units), selection, parsed))
        elif parsed.definition:
            units = list(with_section_openers(tuple(units), self.facts, naming_items(selection)))
        units = list(with_the_drug_named(tuple(units), parsed, self.facts))
        if advice:  # "should I stop my Revlimid?": the pages' own word on stopping follows a real answer
            units += [u for u in self._advice_units() if all(u.pid != a.pid or u.spans != a.spans for a in units)]
        return self._answer(
            units,
            understood.candidates.hits,
            understood.candidates.question.query,
            understood.context,
            notice,
            understood.topic,
        )

    def understand(self, question: str, previous: Context, dense: bool | None = None) -> Understood:
        """Everything before the fitted stages: follow-up resolution, parsing, retrieval, features.
        ``dense=False`` leaves the sentence vectors out, as on an index above DENSE_MAX_PASSAGES."""
        parsed = self.parse(question)
        topics = _topics(parsed)
        # what is asked about the topic: every other word the pages know ("side effects", "pregnant"), so
        # "what about lenalidomide?" asks the same of the new topic
        frame_list = [w.text for w in parsed.words if w.frame or (w.known and w.text not in topics)]
        resolved = resolve(question, previous, topics, frame_list, self._put_as_question(question), self._is_drug)
        if resolved.follow_up:
            parsed = self.parse(resolved.text)
            frame_list = [w.text for w in parsed.words if (w.frame or w.known) and w.text not in resolved.subject]
        use_dense = self.dense if dense is None else dense
        candidates = gather(
            parsed, self.retriever, self.facts, self.settings["TOP_K"], self.encoder if use_dense else None
        )
        known_topics = [w for w in (resolved.subject if resolved.follow_up else topics) if specificity(w) > 0]
        context = Context(
            tuple(w for w in known_topics if _TOPIC_WORD.fullmatch(w))[:MAX_TOPIC_WORDS] or previous.subject,
            tuple(w for w in frame_list if _TOPIC_WORD.fullmatch(w))[:MAX_TOPIC_WORDS],
            previous.turns + 1,
        )
        return Understood(
            candidates,
            context,
            previous if not topics else context,
            resolved.about if resolved.follow_up else (),
        )

    def _advice_units(self) -> list[Unit]:
        if self._advice is None:  # the same fixed question every time: find its answer once
            candidates = self.understand(ADVICE_QUERY, Context()).candidates
            self._advice = list(select(candidates, self.params.mode(self.dense)).units[:1])
        return self._advice

    def parse(self, text: str) -> ParsedQuestion:
        return parse(self.retriever.parse(text), self.index)

    def _notice(self, urgency: Urgency) -> str | None:
        notices = self.safety.notices
        if urgency.assessment.personal_advice and urgency.assessment.urgent_kind is None:
            return notices["advice"]
        if urgency.level == "notice" and urgency.kind:
            return notices[urgency.kind].format_map(self.settings)
        if urgency.assessment.mentions_emergency:
            kind = "crisis" if "suicide" in urgency.assessment.matched else "emergency"
            return notices[kind].format_map(self.settings)
        if urgency.assessment.service:  # "what's the poison control number": the pages may not say, the notice does
            return notices[urgency.assessment.service].format_map(self.settings)
        return None

    def _answer(
        self,
        units: list[Unit],
        hits: list[Hit],
        query: Query,
        context: Context,
        notice: str | None,
        topic: tuple[str, ...],
    ) -> Answer:
        numbers: dict[int, int] = {}
        citations: list[Citation] = []
        segments: list[Segment] = []
        scores = {h.pid: h.score for h in hits}
        for unit in units:
            if unit.pid not in numbers:
                numbers[unit.pid] = len(numbers) + 1
                passage = self.index.passage(unit.pid)
                doc = self.index.document_of(unit.pid)
                citations.append(
                    Citation(
                        numbers[unit.pid],
                        doc["id"],
                        doc["title"],
                        doc["publisher"],
                        doc["url"],
                        passage.section,
                        doc["reviewed"],
                        passage.text,
                        passage.start,
                        passage.end,
                        round(scores[unit.pid], 4) if unit.pid in scores else None,
                        self.matching_words(unit.pid, query),
                    )
                )
            text = self.index.passage(unit.pid).text
            segments.append(Segment(_quote(text, unit.spans, unit.item), numbers[unit.pid]))
        text = " ".join(f"{seg.text} [{seg.n}]" for seg in segments)
        cited_text = " ".join(c.passage for c in citations)
        return Answer(
            "answer",
            text,
            citations,
            self.codec.dumps(context),
            segments=segments,
            notice=notice,
            follow_up_topic=_about(topic, self._is_drug, lambda w: as_written(w, cited_text)),
            suggestions=self._suggestions(context, cited_text),
        )

    def matching_words(self, pid: int, query: Any) -> tuple[str, ...]:
        """The words of a passage, as written, that match a query term (for highlighting)."""
        wanted = {t.term for t in query.terms}
        found = {word for word, stem in self.facts.surface_words(pid) if stem in wanted}
        return tuple(sorted(found, key=str.lower))

    def _no_answer(self, context: Context, notice: str | None, topic: tuple[str, ...], text: str = "") -> Answer:
        s = self.settings
        text = text or (
            f"I don't have information on that in my sources. Please ask your care team, or call "
            f"{s['HELPLINE_NAME']} at {s['HELPLINE_PHONE']}."
        )
        return Answer(
            "no_answer",
            text,
            [],
            self.codec.dumps(context),
            notice=notice,
            follow_up_topic=_about(topic, self._is_drug),
            actions=[{"label": f"Call the helpline {s['HELPLINE_PHONE']}", "tel": s["HELPLINE_PHONE"]}],
        )

    def warm_up(self) -> None:
        """Run the lazy loads (word frequencies, spelling, the sentence model's first passes) now rather
        than in a user's first request: a server calls this once per worker before it takes traffic."""
        if not isinstance(self.index, Index):  # no index: only urgent replies are served
            self.urgency.assess(WARM_UP_QUESTION)
            return
        for question in (WARM_UP_QUESTION, ADVICE_QUERY):
            self.ask(question)

    def urgent_only(self, message: object) -> Answer | None:
        """The emergency card alone, or None: needs no index, so it answers while the index is down. A
        message over the length limit is read too (up to LONGEST_READ_FOR_EMERGENCY characters): it is
        turned away as too long, but an emergency in it is not."""
        urgency = self.urgency.assess(_readable(message)[:LONGEST_READ_FOR_EMERGENCY])
        return self._urgent(urgency, Context(), None) if urgency.level == "card" else None

    def _urgent(self, urgency: Urgency, previous: Context, rest: Answer | None) -> Answer:
        """The emergency card first; then, when the message also asked something the pages answer, that answer."""
        kind = urgency.kind or "emergency"
        reply = self.safety.replies[kind]
        s = self.settings
        text = reply["text"].format_map(s)
        actions = [{"label": label.format_map(s), "tel": str(s[number])} for label, number in reply["actions"]]
        if rest is None:
            return Answer(
                "urgent", text, [], self.codec.dumps(previous), actions=actions, emergency={"kind": kind, "text": text}
            )
        return Answer(
            "urgent",
            f"{text}\n\n{rest.answer}",
            rest.citations,
            rest.context,
            segments=rest.segments,
            actions=actions,
            follow_up_topic=rest.follow_up_topic,
            emergency={"kind": kind, "text": text},
        )

    def _suggestions(self, context: Context, cited_text: str) -> list[str]:
        if not context.subject:
            return []

        # the topic is what the question named (a drug, a condition, a brand), not its other words
        # ("How is imiquimod applied?" -> "imiquimod", never "imiquimod applied")
        spelled = [as_written(w, cited_text) for w in context.subject]
        named = [s for w, s in zip(context.subject, spelled) if len(w) >= 3 and (names_drug_or_condition(w) or s != w)]
        if not named:  # no drug or condition named: a generated "side effects of jak?" helps no one
            return []
        drugs = [s for w, s in zip(context.subject, spelled) if s in named and self._is_drug(w)]
        named = drugs or named  # "side effects of Revlimid", not "of Revlimid myeloma"
        topic = " ".join(named[:2])
        asked = set(context.frame)
        options = [
            ("side", f"What are the side effects of {topic}?"),
            ("given", f"How is {topic} given?"),
            ("used", f"What is {topic} used for?"),
        ]
        return [text for key, text in options if key not in asked and self._pages_speak_of(text)][:2]

    def _is_drug(self, word: str) -> bool:
        return self.index.expander.names_drug(word, self.index.analyzer.terms(word))

    def _pages_speak_of(self, question: str) -> bool:
        """Whether some passage found for a suggested question names all its words, by any of their
        names, in its text or heading: "How is Rinvoq given?" is not offered when the pages only list
        Rinvoq, as it would be refused."""
        parsed = self.parse(question)
        if not parsed.query.terms:
            return False
        needed = [w.terms for w in parsed.words if w.terms]
        hits = self.retriever.search(parsed.query, SUGGESTION_PASSAGES)
        return any(all(terms & self.facts.context(h.pid) for terms in needed) for h in hits)
