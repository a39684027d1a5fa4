"""Select and decide: rank the candidate units with the fitted ranker, then answer or refuse.

``select`` scores every candidate with the ranker and picks the best unit, then up to two more that
score within ``keep_ratio`` of it. A unit from a passage that never names the drug the question asks
about is never quoted: "Its side effects include..." in the imiquimod section does not answer "side
effects of Humira", however close it reads. Nothing is quoted twice: a unit that repeats a chosen one is
dropped, or replaces it when it comes from a named, dated page and the chosen one does not. Items of
one list are shown together under their lead-in.

``decide`` says whether those units answer the question, from question-level features and the fitted
``answerable`` model, and says why not when they don't.

After an answer is decided, ``without_bare_names`` drops a list item that only names what is asked when
something else was asked of it, ``without_unnamed_drugs`` drops a sentence on "this drug" when no drug
was asked by name, and ``with_section_openers`` puts the opening of its section before such an item for
a definition. None of them changes what is fitted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .analysis import Analyzer
from .answer_types import says
from .calibration import Mode, Probe
from .candidates import OPENING_WORDS, Candidate, Candidates, PassageFacts, Unit, opening
from .parse import ParsedQuestion

MAX_UNITS = 3
MAX_ANSWER_WORDS = 120
REPEAT_SHARE = 0.6  # of the shorter unit's words in the other: the two say the same
# a sentence on one drug that does not name it: "Some people have severe skin reactions to this drug"
_ONE_DRUG_UNNAMED = re.compile(r"\bth(?:is|at) (?:drug|medicine|medication)\b", re.IGNORECASE)
QUESTION_FEATURES = (
    "top_logit",  # the ranker's logit for the best unit
    "top_cos",  # the best sentence cosine
    "top_late",  # the best unit's late interaction: are the question's words matched, one by one
    "top_late_rest",  # ... its words other than the drug's name ("half life" of "half life of pomalidomide")
    "top_missing",  # the most specific question word the best unit's passage lacks
    "min_missing",  # the same, at the best of the top five units
    "top_cover",  # share of the subject weight that the best unit's passage names
    "unknown_max",  # the most specific question word the index has never seen
    "top_unit_missing",  # the most specific question word the best unit and its heading lack
    "top_soft_missing",  # ... by how far it is from any of their words
    "unknown_topic",  # how much a word the index never saw reads as what is asked about (see unknown_topic)
    "missing_topic",  # ... a word no chosen unit's passage names (see missing_topic)
)


@dataclass(frozen=True)
class Selection:
    units: tuple[Unit, ...]
    ranked: tuple[Candidate, ...]  # every candidate, best first


@dataclass(frozen=True)
class Decision:
    answer: bool
    probability: float
    why: str  # for the report and the tests: what made it refuse


def select(candidates: Candidates, mode: Mode) -> Selection:
    ranker = mode.ranker
    for candidate in candidates.items:
        candidate.score = ranker.probability(candidate.features)
    eligible = [c for c in candidates.items if not c.other_drug]
    ranked = sorted(eligible, key=lambda c: (-c.score, c.unit.pid, c.unit.spans[0][0], c.unit.spans[-1][0]))
    if not ranked:
        return Selection((), ())
    floor = mode.keep_ratio * ranked[0].score
    asked = frozenset().union(*(w.terms for w in candidates.question.words))
    chosen: list[Candidate] = []
    for candidate in ranked:
        if candidate.score < floor or len(chosen) >= MAX_UNITS + 4:
            break
        repeated = next((k for k, c in enumerate(chosen) if _overlap(candidate.unit, c.unit, asked)), None)
        if repeated is not None:
            current = chosen[repeated]
            # a named, dated page's copy replaces the unnamed one only when it says what that one says:
            # "Some people have serious skin reactions." does not replace that sentence and the list of
            # side effects quoted with it
            if (
                candidate.unit.pid != current.unit.pid
                and candidate.features["named_source"] > current.features["named_source"]
                and _share(current.unit, candidate.unit) >= REPEAT_SHARE
            ):
                chosen[repeated] = candidate
            continue
        chosen.append(candidate)
    return Selection(_in_bounds([c.unit for c in chosen]), tuple(ranked))


def _in_bounds(units: list[Unit]) -> tuple[Unit, ...]:
    """The chosen units, best first, each kept while the answer stays within MAX_UNITS and MAX_ANSWER_WORDS
    (the first always kept). Items of one list join into one unit (``_merge_lists``) one at a time, so a
    list too long to come whole brings its lead-in and the items that fit: "You will need to: • Take steps
    to not become pregnant..." for "can I get pregnant on Pomalyst", where the whole list was left out."""
    kept: list[Unit] = []
    for unit in units:
        joined = _merge_lists([*kept, unit])
        if kept and (len(joined) > MAX_UNITS or sum(len(u.text.split()) for u in joined) > MAX_ANSWER_WORDS):
            continue
        kept = joined
    return tuple(kept)


def _within_bounds(groups: list[tuple[Unit, ...]]) -> tuple[Unit, ...]:
    """Groups of units in order, each kept whole while the answer stays within MAX_UNITS and
    MAX_ANSWER_WORDS; the first is always kept."""
    kept: list[Unit] = []
    words = 0
    for group in groups:
        size = sum(len(u.text.split()) for u in group)
        if kept and (len(kept) + len(group) > MAX_UNITS or words + size > MAX_ANSWER_WORDS):
            continue
        kept += group
        words += size
    return tuple(kept)


def with_the_drug_named(units: tuple[Unit, ...], question: ParsedQuestion, facts: PassageFacts) -> tuple[Unit, ...]:
    """An answer that never names the drug asked about ("Some people have severe skin reactions to this
    drug. Its side effects include...", for "what are the side effects?" after imiquimod) is led by the
    sentence of its first passage, before it, that opens by naming the drug ("Imiquimod is a drug
    that..."): a reader must be able to tell what the quoted words are about."""
    drugs = frozenset().union(*(w.terms for w in question.subjects if w.drug and w.known))
    analyzer = facts.index.analyzer
    if not units or not drugs:
        return units
    if any(u.terms & drugs for u in units):
        return _led_by_the_drug(units, drugs, facts.index.expander.drug_terms - drugs, analyzer)
    top = units[0]
    for unit in facts.units(top.pid):
        if unit.spans[0][0] >= top.spans[0][0]:
            break
        opens_on = frozenset(analyzer.terms(" ".join(unit.text.split()[:OPENING_WORDS])))
        if not unit.item and len(unit.spans) == 1 and opens_on & drugs:
            if len(f"{unit.text} {top.text}".split()) > MAX_ANSWER_WORDS:
                break
            return _within_bounds([(unit, top), *((u,) for u in units[1:])])
    return units


def _led_by_the_drug(
    units: tuple[Unit, ...], drugs: frozenset[str], other_drugs: frozenset[str], analyzer: Analyzer
) -> tuple[Unit, ...]:
    """An answer that opens on something else ("Pomalyst is a prescription medicine..." for "how is
    lenalidomide given?", "Some people have severe skin reactions to this drug") is led by its first
    unit that opens on the drug asked about; the others keep their order. A first unit that names the
    drug and opens on no other stays first: "People who have had an organ transplant ... should not use
    imiquimod" answers "who should not use imiquimod?", and "Imiquimod is a cream..." would only push it
    down. Lists are left where they are: a list item never leads, as it names the drug ("•
    Dexamethasone") without saying anything of it, and a list that comes first is the answer ("You will
    need to: • Take steps to not become pregnant..." for "can i get pregnant on revlimid"), not a
    sentence on something else."""
    opens = [not u.item and not drugs.isdisjoint(analyzer.terms(opening(u.text))) for u in units]
    top = units[0]
    names_it = not drugs.isdisjoint(top.terms)
    opens_on_another = not other_drugs.isdisjoint(analyzer.terms(opening(top.text)))
    if top.item or opens[0] or (names_it and not opens_on_another) or not any(opens):
        return units
    first = opens.index(True)
    return (units[first], *units[:first], *units[first + 1 :])


def naming_items(selection: Selection) -> frozenset[tuple[int, tuple[int, int]]]:
    """(pid, span) of each ranked list item that only names what the question names."""
    return frozenset((c.unit.pid, c.unit.spans[-1]) for c in selection.ranked if c.names_only)


def with_section_openers(
    units: tuple[Unit, ...], facts: PassageFacts, naming: frozenset[tuple[int, tuple[int, int]]]
) -> tuple[Unit, ...]:
    """A definition answered by a list item that only names what is asked (``naming``) says what the list
    is of: "what is Xeljanz" gets "Janus kinase inhibitors are DMARDs that are like biologics..." before
    "Examples include: • Tofacitinib (Xeljanz®)" ("examples of JAK inhibitors" keeps its list first).
    The section's opening sentence comes before the first of its items, unless it is quoted already.
    The answer keeps its bounds: an opener too long to come along is left out; an opener and its item
    are kept or dropped together, the last units give way to them."""
    groups: list[tuple[Unit, ...]] = []
    placed: list[Unit] = []
    for unit in units:
        if unit in placed:
            continue
        names = unit.item and any((unit.pid, span) in naming for span in unit.spans)
        opener = facts.section_opener(unit.pid) if names else None
        if opener is not None and (opener.pid, opener.spans[0][0]) < (unit.pid, unit.spans[0][0]):
            # quoted further down already: it moves up before the item
            opener = next((u for u in units if not u.item and _overlap(opener, u)), opener)
            if opener not in placed and len(f"{opener.text} {unit.text}".split()) <= MAX_ANSWER_WORDS:
                groups.append((opener, unit))
                placed += [opener, unit]
                continue
        groups.append((unit,))
        placed.append(unit)
    return _within_bounds(groups)


def question_features(
    candidates: Candidates, selection: Selection, mode: Mode, facts: PassageFacts
) -> dict[str, float]:
    ranked = selection.ranked
    words = candidates.question.subjects
    top = ranked[0].features if ranked else None
    return {
        "top_logit": mode.ranker.logit(top) if top else -10.0,
        "top_cos": candidates.best_cos,
        "top_late": top["late"] if top else 0.0,
        "top_late_rest": top["late_rest"] if top else 0.0,
        "top_missing": top["missing_max"] if top else 1.0,
        "min_missing": min((c.features["missing_max"] for c in ranked[:5]), default=1.0),
        "top_cover": top["cover_context"] if top else 0.0,
        "unknown_max": max((w.weight for w in words if not w.known), default=0.0),
        "top_unit_missing": top["unit_missing"] if top else 1.0,
        "top_soft_missing": top["soft_missing"] if top else 1.0,
        "unknown_topic": unknown_topic(candidates, mode.unknown_words),
        "missing_topic": missing_topic(candidates, selection, facts, mode.missing_words),
    }


def unknown_logits(candidates: Candidates, probe: Probe) -> list[float]:
    vectors = candidates.subject_readings
    if vectors is None:
        return []
    return [float(z) for w, z in zip(candidates.question.subjects, probe.logits(vectors)) if not w.known]


def unknown_topic(candidates: Candidates, probe: Probe | None) -> float:
    """The probability, highest over the question's words the index never saw, that the word is what
    is asked about rather than the asker's context. Everyday words are alike in how often English uses
    them ("wine" and "mom"), not in their role: "can I have wine on pomalyst" asks about wine, which the
    pages never mention; "my mom takes pomalyst" asks about pomalyst. 0 with no such word."""
    if probe is None:
        return 0.0
    logits = unknown_logits(candidates, probe)
    return max((1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z)))) for z in logits), default=0.0)


def missing_readings(
    candidates: Candidates, selection: Selection, facts: PassageFacts
) -> list[tuple[str, np.ndarray]]:
    """The question words that none of the chosen units' passages name, each with its reading
    (``subject_readings``); none without sentence vectors or without a chosen unit."""
    readings = candidates.subject_readings
    if readings is None or not selection.units:
        return []
    missing = set(answer_missing(candidates, selection, facts)[2])
    return [(w.text, readings[i]) for i, w in enumerate(candidates.question.subjects) if w.text in missing]


def missing_topic(candidates: Candidates, selection: Selection, facts: PassageFacts, probe: Probe | None) -> float:
    """The probability, highest over the question words no chosen unit's passage names, that the word is
    what is asked rather than the asker's context: "dose" in "xeljanz dose for rheumatoid arthritis",
    answered with what DMARDs treat, is asked; "mum" in "mum's on revlimid, what are the side effects" is
    not. Known words too, which ``unknown_topic`` leaves out: the pages say "dose" elsewhere. 0 with no
    such word."""
    if probe is None:
        return 0.0
    rows = missing_readings(candidates, selection, facts)
    if not rows:
        return 0.0
    logits = probe.logits(np.stack([r for _, r in rows]))
    return max(1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, float(z))))) for z in logits)


def answer_missing(candidates: Candidates, selection: Selection, facts: PassageFacts) -> tuple[float, float, list[str]]:
    """The most specific question words that none of the chosen units' passages (with their headings)
    name: (the weight of the most specific one the index knows elsewhere, of the most specific one it
    never saw, and the words). A word the pages use elsewhere but not here says the answer is about
    something else ("side effects of chemotherapy" answered from a page that never says chemotherapy)."""
    around = frozenset().union(*(facts.context(u.pid) for u in selection.units))
    missing = [w for w in candidates.question.subjects if not (w.terms & around)]
    known = max((w.weight for w in missing if w.known), default=0.0)
    unknown = max((w.weight for w in missing if not w.known), default=0.0)
    return known, unknown, [w.text for w in missing]


def aspect_answered(candidates: Candidates, selection: Selection, facts: PassageFacts) -> bool:
    """Every asked aspect word ("side" and "effects", "cost", "dose") is in a chosen unit or its heading,
    by any of its words: "limit the effects of TNF" does not speak of side effects."""
    aspects = candidates.question.aspects
    if not aspects or not candidates.question.subjects:
        return True
    around = frozenset().union(*(u.terms | facts.heading(u.pid) for u in selection.units))
    return all(w.terms & around for w in aspects)


def type_answered(candidates: Candidates, selection: Selection) -> bool:
    """A question of an answer type ("how long", "how often", see answer_types) has a chosen unit that
    says one (a duration, a frequency). "how long does the BCG flu feeling last" is on BCG's flu-like
    symptoms, and a sentence that names them without saying for how long does not answer it."""
    kind = candidates.question.answer_type
    return kind is None or any(says(u.text, kind) for u in selection.units)


def decide(candidates: Candidates, selection: Selection, mode: Mode, facts: PassageFacts) -> Decision:
    if not selection.units:
        if candidates.items:  # every candidate was about another drug
            drugs = ", ".join(w.text for w in candidates.question.subjects if w.drug and w.known)
            return Decision(False, 0.0, f"no passage found speaks of {drugs}")
        return Decision(False, 0.0, "no passage matched")
    if mode.aspect_gate and not aspect_answered(candidates, selection, facts):
        asked = ", ".join(w.text for w in candidates.question.aspects)
        return Decision(False, 0.0, f"the passages found do not speak of {asked}")
    if mode.type_gate and not type_answered(candidates, selection):
        kind = candidates.question.answer_type
        return Decision(False, 0.0, f"the passages found do not say {kind.missing if kind else 'what is asked'}")
    known, unknown, missing = answer_missing(candidates, selection, facts)
    if known >= mode.missing_cut or unknown >= mode.unknown_cut:
        return Decision(False, 0.0, f"the passages found do not mention {', '.join(missing)}")
    features = question_features(candidates, selection, mode, facts)
    probability = mode.answerable.probability(features)
    if probability >= mode.threshold:
        return Decision(True, probability, "")
    missing = [w.text for w in candidates.question.subjects if not w.known and w.weight >= 0.5]
    why = f"the pages do not mention {', '.join(missing)}" if missing else "no passage answers it closely enough"
    return Decision(False, probability, why)


def without_bare_names(selection: Selection, question: ParsedQuestion, facts: PassageFacts) -> tuple[Unit, ...]:
    """The chosen units less the list items that only name what is asked (see ``_says_only_the_name``),
    unless the opening of the item's section is chosen too: "Janus kinase inhibitors are DMARDs..." with
    "• Upadacitinib (Rinvoq®)" answers "rinvoq drug class". Applied after the decision: the units still
    rank and decide as fitted, but a bare name is never quoted as though it answered; with nothing else
    chosen, the question is not answered."""
    bare = {(c.unit.pid, c.unit.spans[-1]) for c in selection.ranked if _says_only_the_name(c, question)}
    if not bare:
        return selection.units

    def explained(unit: Unit) -> bool:
        opener = facts.section_opener(unit.pid)
        return opener is not None and any(_overlap(opener, u) for u in selection.units if not u.item)

    return tuple(
        u
        for u in selection.units
        if not (u.item and all((u.pid, span) in bare for span in u.spans if span != u.lead) and not explained(u))
    )


def without_unnamed_drugs(units: tuple[Unit, ...], question: ParsedQuestion, facts: PassageFacts) -> tuple[Unit, ...]:
    """Applied after the decision, as ``without_bare_names``: a sentence on one drug that does not name it
    ("Some people have severe skin reactions to this drug. Its side effects include...") is about the drug
    its passage names. Asked of no drug by name ("side effects of steroids", "of JAK inhibitors"), it would
    give that drug's side effects as the answer, so it is left out; with nothing else chosen, the question
    is not answered. Asked of a drug, the other-drug rule keeps only passages that name it."""
    if any(w.drug and w.known for w in question.subjects):
        return units
    drug_terms = facts.index.expander.drug_terms
    return tuple(
        u for u in units if not (_ONE_DRUG_UNNAMED.search(u.text) and not drug_terms.isdisjoint(facts.context(u.pid)))
    )


def defines_subject(selection: Selection, question: ParsedQuestion) -> bool:
    """A definition question whose best unit says what its subject is."""
    return question.definition and bool(selection.ranked) and selection.ranked[0].features.get("defines", 0.0) >= 1.0


def on_the_defined_subject(units: tuple[Unit, ...], selection: Selection, question: ParsedQuestion) -> tuple[Unit, ...]:
    """A definition question whose best unit defines its subject ("• Malaise (a feeling of weakness ...)",
    "Biologics are ...") is answered by the units that name that subject. The others, the list's other
    items or a sentence on another topic, only crowd the definition. Applied after the decision, when
    ``defines_subject`` holds."""
    defining = selection.ranked[0].unit
    # the subject as the definition names it: "meaning" in "malaise meaning" is how the question is put;
    # a name of several words (what "nomid" stands for) is named by most of them, not by "disease" alone
    names = [w.terms & defining.terms for w in question.subjects if w.terms & defining.terms]

    def names_subject(terms: frozenset[str]) -> bool:
        return any(2 * len(name & terms) >= len(name) for name in names)

    kept: list[Unit] = []
    for unit in units:
        if unit.item:  # a list: its lead-in with the items that name the subject, not the whole list
            items = [
                c.unit
                for c in selection.ranked
                if c.unit.item
                and c.unit.pid == unit.pid
                and c.unit.lead == unit.lead
                and c.unit.spans[-1] in unit.spans
            ]
            kept += _merge_lists([i for i in items if names_subject(i.terms)])
        elif names_subject(unit.terms):
            kept.append(unit)
    return tuple(kept) or units


def _says_only_the_name(candidate: Candidate, question: ParsedQuestion | None) -> bool:
    """A list item that only names what the question names ("Examples include: • Tofacitinib (Xeljanz®)")
    says what that is, and nothing else: it answers "what is Xeljanz", not "side effects of Xeljanz",
    unless its lead-in or heading speaks of the asked aspect ("Common side effects include: • Fatigue"
    answers "is fatigue a side effect"). An item naming only the asked drug does not answer "how is
    Xeljanz given" either."""
    if not candidate.names_only or question is None or question.definition:
        return False
    features = candidate.features
    if features.get("aspect_missing", 0.0) > 0:
        return True
    return candidate.names_only == 1.0 and features.get("frame_unit", 1.0) < 1.0


def _overlap(a: Unit, b: Unit, asked: frozenset[str] = frozenset()) -> bool:
    """The two units say the same: they share text in one passage, or most of the shorter one's words
    are in the other, unless all they share is what the question asks (its ``asked`` words), which
    every unit on the topic has. "Uses of immunomodulators are as varied as the conditions they treat"
    shares only what "what conditions are treated with immunomodulators" asks with the sentence that
    names those conditions."""
    if a.pid == b.pid and any(sa < eb and sb < ea for sa, ea in a.spans for sb, eb in b.spans):
        return not (a.item and b.item and a.spans[-1] != b.spans[-1])  # two items of one list are not repeats
    if not a.words or not b.words:
        return False
    shared = a.words & b.words
    return len(shared) / min(len(a.words), len(b.words)) >= REPEAT_SHARE and not shared <= asked


def _share(a: Unit, b: Unit) -> float:
    """How much of ``a``'s words ``b`` has."""
    return len(a.words & b.words) / len(a.words) if a.words else 1.0


def _merge_lists(units: list[Unit]) -> list[Unit]:
    """Items of one list join into one unit: the lead-in, then the items best first (the units come
    ranked): for "what is a B-cell inhibitor" the B-cell item, not the T-cell one written above it."""
    merged: list[Unit] = []
    for unit in units:
        if unit.item:
            home = next((k for k, m in enumerate(merged) if m.item and m.pid == unit.pid and m.lead == unit.lead), None)
            if home is not None:
                m = merged[home]
                lines = dict(zip(m.spans, m.text.split("\n"))) | dict(zip(unit.spans, unit.text.split("\n")))
                items = [span for span in (*m.spans, *unit.spans) if span != m.lead]
                spans = ((m.lead,) if m.lead else ()) + tuple(dict.fromkeys(items))
                text = "\n".join(lines[span] for span in spans)
                merged[home] = Unit(
                    m.pid, spans, text, m.terms | unit.terms, True, m.lead, m.rows + unit.rows, m.joined | unit.joined
                )
                continue
        merged.append(unit)
    return merged
