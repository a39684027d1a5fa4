from __future__ import annotations

import dataclasses
import re

import pytest

from bot import DISCLAIMER
from bot.errors import InputError
from bot.evaluate import evaluate, failed_bars
from tests.conftest import EVAL_FILE, PARAPHRASES, all_questions, eval_cases

ODD_QUESTIONS = [
    "?",
    "hello",
    "thanks!",
    "BCG BCG BCG BCG",
    "lenalidomide " * 50,
    "¿Qué es la lenalidomida?",
    "<script>alert(1)</script> what is BCG",
    "💊💊 side effects",
    "مرحبا",
    "what is it?",
    "a",
]


def assert_verbatim(reply):
    """Every line of every segment appears in the passage it cites, and the answer is those segments."""
    passages = {c.n: c.passage for c in reply.citations}
    assert [c.n for c in reply.citations] == list(range(1, len(reply.citations) + 1))
    cited = " ".join(f"{s.text} [{s.n}]" for s in reply.segments)
    if reply.type == "urgent":  # the emergency card's fixed text first, then the cited answer
        assert reply.answer == f"{reply.emergency['text']}\n\n{cited}"
    else:
        assert reply.answer == cited
    for segment in reply.segments:
        for line in segment.text.split("\n"):
            assert line.strip() in passages[segment.n], (line, segment.n)
    first_use = []
    for segment in reply.segments:
        if segment.n not in first_use:
            first_use.append(segment.n)
    assert first_use == sorted(first_use), "citations are numbered by first use"


@pytest.mark.parametrize("question", all_questions() + ODD_QUESTIONS)
def test_every_reply_is_verbatim_from_its_citations(bot, question):
    reply = bot.ask(question)
    assert reply.disclaimer == DISCLAIMER
    if reply.type == "answer" or reply.citations:
        assert reply.citations and reply.segments
        assert_verbatim(reply)
    else:
        assert reply.citations == [] and reply.segments == []


def test_every_reply_to_every_labelled_file_is_verbatim(bot):
    """Every message of every shipped labelled file (the emergency sets too: a card may come with an
    answer), dialogues turn after turn with their context."""
    from tests.conftest import DATA

    files = sorted(DATA.rglob("*.jsonl"))
    asked = 0
    for path in files:
        for case in eval_cases(path):
            if "label" in case:  # the urgency sets: one message a row
                turns = [{"question": case["text"]}]
            else:
                turns = case["turns"] if case["kind"] == "dialogue" else [case]
            context = None
            for turn in turns:
                reply = bot.ask(turn["question"], context)
                context = reply.context
                asked += 1
                if reply.citations or reply.segments:
                    assert_verbatim(reply)
    assert asked > 3000


def test_the_best_ranked_sentence_comes_first(bot):
    from bot.choose import _overlap, select
    from bot.conversation import Context

    mode = bot.params.mode(bot.dense)
    checked = replaced = 0
    for question in all_questions():
        candidates = bot.understand(question, Context()).candidates
        selection = select(candidates, mode)
        if not selection.units:
            continue
        best = selection.ranked[0]
        first = selection.units[0]
        if first.pid == best.unit.pid:
            assert set(best.unit.spans) <= set(first.spans), question
        else:  # the same fact, cited from a page that names its publisher and date instead of a copy
            named = {c.unit: c.features["named_source"] for c in selection.ranked}
            assert _overlap(first, best.unit) and named[first] > best.features["named_source"], question
            replaced += 1
        checked += 1
    assert checked >= 30 and replaced < checked


@pytest.mark.parametrize(
    "question",
    [
        "side effects of humira",
        "what are the side effects of tocilizumab",
        "does orencia cause infections",
        "how is imiquimod used",
    ],
)
def test_a_drug_question_is_answered_only_from_where_the_pages_speak_of_that_drug(bot, question):
    """Imiquimod's "Its side effects include..." is no answer about Humira. A cited passage names the
    asked drug (by any of its names, in itself, its section or its page title), or it names no drug
    and is a class statement: its page names no drug but the asked one's kin, never drugs without it."""
    from bot.conversation import Context

    candidates = bot.understand(question, Context()).candidates
    drugs = [w for w in candidates.question.subjects if w.drug and w.known]
    assert drugs, question
    reply = bot.ask(question)
    index, drug_terms = bot.index, bot.index.expander.drug_terms
    pid_of = {(index.passage(p).doc_id, index.passage(p).text): p for p in range(index.n_passages)}
    for citation in reply.citations:
        pid = pid_of[citation.doc_id, citation.passage]
        context, page = bot.facts.context(pid), bot.facts.page_terms(pid)
        for drug in drugs:
            if drug.terms & context:
                continue
            assert not drug_terms & context, (question, "another drug's passage", citation.passage[:80])
            assert drug.terms & page or not drug_terms & page, (question, "another drug's page", citation.title)


def test_citation_carries_source_metadata(bot):
    reply = bot.ask("Why do I need a blood thinner with thalidomide?")
    citation = reply.citations[0]
    assert citation.title and citation.doc_id and citation.passage
    doc = bot.index.document(citation.doc_id)
    assert doc["text"][citation.start : citation.end] == citation.passage
    assert citation.reviewed == doc["reviewed"]


def test_the_most_recent_source_is_cited_when_pages_repeat_a_fact(bot):
    reply = bot.ask("Why is aspirin given with lenalidomide?")
    assert reply.citations[0].reviewed == "2025-07-07"


def test_a_list_is_kept_with_its_lead_in(bot):
    reply = bot.ask("What are examples of JAK inhibitors?")
    first = reply.segments[0].text
    assert first.startswith("Examples include:") and "• Tofacitinib (Xeljanz®)." in first


@pytest.mark.parametrize(
    "question",
    [
        pytest.param(
            "What are the side effects of chemotherapy?",
            marks=pytest.mark.xfail(
                reason="the fitted decision answers it with the pages' general side-effect advice; the "
                "missing-word gate that would refuse it cost more wrong refusals than it saved on the fit data",
                strict=False,
            ),
        ),
        "How is radiation given?",
        "Does metformin cause constipation?",
        "Tell me a joke",
        "What is the capital of France?",
        "hello",
        "Is Keytruda an immunomodulator?",
    ],
)
def test_questions_the_corpus_does_not_cover_get_no_answer(bot, question):
    reply = bot.ask(question)
    assert reply.type == "no_answer"
    assert "care team" in reply.answer and bot.settings["HELPLINE_PHONE"] in reply.answer
    assert reply.actions and reply.actions[0]["tel"] == bot.settings["HELPLINE_PHONE"]


@pytest.mark.parametrize(
    "question, covered",
    [
        # the unknown everyday word is what is asked about, and the pages never speak of it
        ("is it safe to eat sushi while on thalidomide", False),
        ("can I use a sauna while using imiquimod", False),
        ("is it ok to go swimming after bcg", False),
        # the unknown everyday word is the asker's context; the rest is answered
        ("my daughter is on humira, what kind of drug is it", True),
        ("forgive me for asking, what is bcg", True),
        ("honestly what does pomalidomide even do", True),
    ],
)
def test_an_unknown_everyday_word_blocks_only_when_it_is_what_is_asked(bot, question, covered):
    # "wine" and "mom" are equally common in English; the fitted probe on word vectors tells the thing
    # asked about from the asker's context (no word here is in the data the probe was fitted on)
    assert (bot.ask(question).type == "answer") is covered


@pytest.mark.parametrize("message", ["thank you!", "ok", "what can you do?", "hi", "Hello!", "good morning"])
def test_a_message_that_asks_nothing_gets_an_example_not_a_passage(bot, message):
    """With no word to look up, every passage 'covers' the question; after a topic it is no follow-up."""
    for previous in (None, bot.ask("What is imiquimod?").context):
        reply = bot.ask(message, previous)
        assert reply.type == "no_answer" and not reply.citations
        assert bot.settings["STARTER_QUESTIONS"][0] in reply.answer and bot.settings["HELPLINE_PHONE"] in reply.answer
    assert bot.ask("what about it?", bot.ask("What is imiquimod?").context).type == "answer"  # a pronoun asks


@pytest.mark.parametrize("message, welcome", [("thank you!", True), ("thanks so much", True), ("ok", False)])
def test_thanks_are_acknowledged_before_the_introduction(bot, message, welcome):
    reply = bot.ask(message)
    assert reply.answer.startswith("You're welcome.") is welcome
    assert bot.settings["STARTER_QUESTIONS"][0] in reply.answer


def test_thanks_after_a_topic_are_not_a_follow_up(bot):
    """ "thank you so much" after a question about lenalidomide was answered with three lenalidomide
    sentences ("much" is a page word): thanks are acknowledged, the topic is kept for the next turn,
    and thanks that go on to ask are answered."""
    first = bot.ask("what is lenalidomide")
    thanks = bot.ask("thank you so much", first.context)
    assert thanks.type == "no_answer" and thanks.answer.startswith("You're welcome.") and not thanks.citations
    asked = bot.ask("thanks, and how is it given?", thanks.context)
    assert asked.type == "answer" and asked.follow_up_topic == "lenalidomide"


@pytest.mark.parametrize(
    "message, example",
    [
        ("I am scared", "What are immunomodulators?"),
        ("help", "What are immunomodulators?"),
        ("how is it given?", "How is BCG given?"),
        ("what are the side effects?", "What are the side effects of lenalidomide?"),
    ],
)
def test_a_first_message_that_names_no_topic_is_asked_for_one(bot, message, example):
    """Made only of words that frame a question, it finds every passage 'on topic': none is quoted. One
    that asks something of a medicine ("side effects?") is asked which, with the starter question that
    asks the same as its example; the others get what the bot does, with the first starter."""
    assert example in bot.settings["STARTER_QUESTIONS"]
    reply = bot.ask(message)
    assert reply.type == "no_answer" and not reply.citations
    assert example in reply.answer
    assert reply.answer.startswith("Which medicine") == (example != bot.settings["STARTER_QUESTIONS"][0])


@pytest.mark.parametrize("message", ["how is it given?", "what are the side effects?"])
def test_the_same_words_after_a_topic_ask_about_it(bot, message):
    follow = bot.ask(message, bot.ask("What is imiquimod?").context)
    assert follow.type == "answer" and "imiquimod" in follow.answer.lower()


def test_helpline_number_is_a_setting(index_dir):
    from bot import Bot

    other = Bot({"INDEX_DIR": str(index_dir), "HELPLINE_PHONE": "1-555-0100"})
    assert "1-555-0100" in other.ask("How is radiation given?").answer


@pytest.mark.parametrize("message", ["", "   ", "\x00\x01", None, 42, ["list"], "x" * 1001])
def test_unusable_messages_are_clear_errors(bot, message):
    with pytest.raises(InputError) as info:
        bot.ask(message)
    assert info.value.status == 400 and info.value.message


def test_personal_advice_gets_information_plus_the_care_team_line(bot):
    reply = bot.ask("should I stop my Revlimid?")
    assert reply.type == "answer" and "care team" in reply.notice
    assert any("doctor" in s.text.lower() or "care team" in s.text.lower() for s in reply.segments)
    assert_verbatim(reply)


def test_question_about_a_symptom_is_informational_with_a_short_911_line(bot):
    reply = bot.ask("Can immunomodulators cause shortness of breath?")
    assert reply.type == "answer" and "911" in (reply.notice or "")


@pytest.mark.parametrize("path", [EVAL_FILE, PARAPHRASES], ids=["dev", "paraphrases"])
def test_quality_bars(bot, path):
    result = evaluate(bot, path)
    assert failed_bars(result) == [], result["misses"]


def _glossary_terms(index) -> list[str]:
    """The terms the pages explain in a list item's bracket: "• Malaise (a feeling of weakness ...)"."""
    found = []
    for pid in range(index.n_passages):
        for match in re.finditer(r"\n• ([A-Z][a-z]+) \((?=[a-z])[^)]*\s[^)]*\s", index.passage(pid).text):
            found.append(match.group(1))
    return sorted(set(found))


def test_a_definition_from_a_glossary_item_quotes_only_what_names_the_term(bot):
    """'malaise meaning' got the malaise item and then a sentence on autoimmune reactions ("This means
    ..."): every unit quoted for a term the pages define must name it."""
    terms = _glossary_terms(bot.index)
    assert len(terms) >= 10
    for term in terms:
        for question in (f"what is {term.lower()}", f"{term.lower()} meaning"):
            reply = bot.ask(question)
            if reply.type == "answer" and term in reply.segments[0].text:
                named = set(bot.index.analyzer.terms(term))
                assert all(named & set(bot.index.analyzer.terms(s.text)) for s in reply.segments), reply.answer
                items = [line for s in reply.segments for line in s.text.split("\n") if line.startswith("• ")]
                assert all(named & set(bot.index.analyzer.terms(line)) for line in items), reply.answer


def test_an_acronyms_definition_is_quoted_without_what_shares_one_word_of_its_name(bot):
    """NOMID is what the pages call neonatal-onset multisystem inflammatory disease: the items that only
    share "disease" or "inflammatory" with that name (Castleman disease, Bowen's disease) are left out."""
    reply = bot.ask("what does NOMID mean")
    assert reply.type == "answer" and reply.segments
    assert all("Neonatal-onset multisystem inflammatory disease" in seg.text for seg in reply.segments)


def test_a_message_costs_one_encoder_pass(bot):
    # most of a pass's cost is reading the weights: the emergency probe's clauses, the question and the
    # words the index has no vector for go through together, and the later stages find them cached
    from bot import Bot
    from bot.encoder import Encoder

    encoder = Encoder()
    passes: list[int] = []
    forward = encoder._forward
    encoder._forward = lambda batch: passes.append(len(batch)) or forward(batch)  # type: ignore[method-assign]
    counted = Bot(bot.settings, index=bot.index, encoder=encoder)
    reply = counted.ask("my husband feels tired all the time, what are the side effects of revlimid?")
    assert reply.type == "answer"
    assert len(passes) == 1
    assert passes[0] >= 4  # the whole message, its two clauses and a word the pages lack


def test_an_answer_that_never_names_the_drug_is_led_by_the_sentence_that_does(bot):
    """The pages' "this drug" needs its antecedent: the passage's sentence that opens with the drug."""
    from bot.choose import with_the_drug_named
    from bot.conversation import Context

    understood = bot.understand("what are the side effects? imiquimod", Context())
    parsed = understood.candidates.question
    pid = next(p for p in range(bot.index.n_passages) if "this drug" in bot.index.passage(p).text)
    units = bot.facts.units(pid)
    silent = next(u for u in units if "this drug" in u.text and "imiquimod" not in u.text.lower())
    led = with_the_drug_named((silent,), parsed, bot.facts)
    assert led[-1] == silent and len(led) == 2
    assert led[0].text.lower().startswith("imiquimod")
    naming = next(u for u in units if "imiquimod" in u.text.lower())
    assert with_the_drug_named((naming,), parsed, bot.facts) == (naming,)  # it names the drug already


def test_an_answer_is_led_by_its_unit_that_opens_on_the_drug_asked(bot):
    """ "Some people have severe skin reactions to this drug" after "Imiquimod is a drug that..." in the
    answer: the reader meets the drug's name first; an answer that opens on it keeps its order."""
    from bot.choose import with_the_drug_named
    from bot.conversation import Context

    parsed = bot.understand("what does imiquimod do", Context()).candidates.question
    pid = next(p for p in range(bot.index.n_passages) if "this drug" in bot.index.passage(p).text)
    units = bot.facts.units(pid)
    silent = next(u for u in units if "this drug" in u.text and "imiquimod" not in u.text.lower())
    naming = next(u for u in units if u.text.lower().startswith("imiquimod"))
    assert with_the_drug_named((silent, naming), parsed, bot.facts) == (naming, silent)
    assert with_the_drug_named((naming, silent), parsed, bot.facts) == (naming, silent)
    # a list that comes first is the answer, and its items never lead
    listed = next(u for p in range(bot.index.n_passages) for u in bot.facts.units(p) if u.item)
    assert with_the_drug_named((listed, naming), parsed, bot.facts) == (listed, naming)
    named_item = dataclasses.replace(listed, text="Examples include:\n• Imiquimod (Aldara)", item=True)
    assert with_the_drug_named((silent, named_item, naming), parsed, bot.facts) == (naming, silent, named_item)


def test_a_misspelled_question_is_answered_as_the_right_spelling_is(bot):
    """The sentence model reads the question as the pages spell it: "pregnent" is not split into
    word pieces that mean nothing. The answer opens on the same sentence, and it is about pregnancy.
    (Later sentences may differ: the sentence model reads the two spellings a little apart.)"""
    typed, meant = bot.ask("can i get pregnent on revlimid"), bot.ask("can i get pregnant on revlimid")
    assert typed.type == meant.type == "answer"
    assert typed.segments[0].text == meant.segments[0].text
    assert "pregnan" in typed.segments[0].text.lower()



def test_a_first_sentence_that_names_the_drug_late_keeps_its_place(bot):
    """ "People who have had an organ transplant ... should not use imiquimod" answers "who should not
    use imiquimod?": it names the drug, though not first, and opens on no other drug, so "Imiquimod is
    a cream..." does not push it down. A first sentence that opens on another drug still gives way."""
    from bot.choose import with_the_drug_named
    from bot.conversation import Context

    parsed = bot.understand("who should not use imiquimod?", Context()).candidates.question
    every = [u for p in range(bot.index.n_passages) for u in bot.facts.units(p) if not u.item]
    late = next(u for u in every if "transplant" in u.text and u.text.rstrip(".").lower().endswith("imiquimod"))
    opening = next(u for u in every if u.text.lower().startswith("imiquimod is"))
    assert with_the_drug_named((late, opening), parsed, bot.facts) == (late, opening)
    lenalidomide = bot.understand("how is lenalidomide given?", Context()).candidates.question
    other = next(u for u in every if u.text.startswith("Pomalyst is") and "lenalidomide" in u.text)
    on_it = next(u for u in every if u.text.startswith("Thalidomide (Thalomid), lenalidomide"))
    assert with_the_drug_named((other, on_it), lenalidomide, bot.facts) == (on_it, other)


@pytest.mark.parametrize(
    "question, scene",
    [
        ("how does humira work?", "my daughter's gastroenterologist prescribed it in february"),
        ("what is xeljanz?", "my sister's dermatologist wants her to try it for eczema"),
    ],
)
def test_a_question_is_answered_though_the_next_sentence_sets_the_scene(bot, question, scene):
    """The scene's words ("gastroenterologist", "appointment") weigh on the whole message, which is
    refused; the sentence that asks is answered as it is alone."""
    alone, told = bot.ask(question), bot.ask(f"{question} {scene}")
    assert alone.type == told.type == "answer"
    assert told.segments[0].text == alone.segments[0].text


def test_a_sentence_that_sets_the_scene_is_never_answered_in_place_of_the_question(bot):
    scene = "my husband takes thalidomide for myeloma"
    assert bot.ask(scene).type == "answer"  # the pages speak of it...
    # ...but what is asked (alcohol) they never mention
    assert bot.ask(f"can I drink alcohol on thalidomide? {scene}").type == "no_answer"


def test_whether_a_drug_is_of_a_kind_is_answered_with_what_the_kind_is(bot):
    """ "is dexamethasone a steroid?" found only "Examples include: • Dexamethasone.", which does not
    say of what; asked as what it is, the section's opening says what corticosteroids are."""
    reply = bot.ask("is dexamethasone a steroid?")
    assert reply.type == "answer"
    assert "corticosteroids" in reply.segments[0].text.lower() and "dexamethasone" in reply.answer.lower()


@pytest.mark.parametrize("asked", ["what are the side effects of steroids", "side effects of jak inhibitors"])
def test_a_sentence_on_an_unnamed_drug_does_not_answer_for_a_class(bot, asked):
    """ "Some people have severe skin reactions to this drug. Its side effects include..." is imiquimod's
    (its passage names it). Asked of steroids or JAK inhibitors, it gave imiquimod's side effects as theirs;
    asked of imiquimod, it still answers."""
    reply = bot.ask(asked)
    assert "this drug" not in reply.answer
    own = bot.ask("what are the side effects of imiquimod")
    assert own.type == "answer" and "this drug" in own.answer
