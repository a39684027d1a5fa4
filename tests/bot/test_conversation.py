from __future__ import annotations

import base64
import json

import pytest

from bot.conversation import Context, ContextCodec


def test_follow_ups_resolve_against_the_earlier_topic(bot):
    first = bot.ask("What is imiquimod?")
    second = bot.ask("how often do I apply it?", first.context)
    assert second.type == "answer" and second.follow_up_topic is not None
    assert second.follow_up_topic.lower() == "imiquimod"  # the topic carried over, not the rewritten query
    assert "once a day" in second.answer or "twice a week" in second.answer
    third = bot.ask("what about lenalidomide?", bot.ask("What are the side effects of imiquimod?").context)
    assert third.type == "answer" and third.follow_up_topic is not None
    assert "lenalidomide" in third.follow_up_topic.lower()


@pytest.mark.parametrize(
    "message, known_words, follow_up",
    [
        ("cool", [], False),  # names no topic and asks nothing: not a request to repeat the last answer
        ("bye", [], False),
        ("examples", ["examples"], True),  # a word the pages know
        ("names?", [], True),  # asked
        ("and for kids", [], True),  # a continuation
        ("is it safe", ["safe"], True),
    ],
)
def test_only_a_message_that_asks_something_continues_the_topic(message, known_words, follow_up):
    from bot.conversation import resolve
    from bot.safety import default_checker

    asked = default_checker().reading(message)["question"] > 0
    resolved = resolve(message, Context(("imiquimod",), ("side", "effects"), 1), [], known_words, asked)
    assert resolved.follow_up is follow_up


def test_a_question_with_no_word_of_its_own_continues_the_whole_question():
    """ "why?" or "so what do I have to do then" after "is thalidomide dangerous in pregnancy" asks on
    about pregnancy, not about thalidomide in general; a question with words of its own keeps only the
    topic ("is it safe" asks whether thalidomide is safe, not whether it is safe in pregnancy)."""
    from bot.conversation import resolve

    before = Context(("thalidomide",), ("pregnancy",), 1)
    for message in ("why?", "so what do i have to do then"):
        resolved = resolve(message, before, [], [], True)
        assert resolved.follow_up and resolved.text.split()[-2:] == ["thalidomide", "pregnancy"]
    own = resolve("is it safe", before, [], ["safe"], True)
    assert own.follow_up and "pregnancy" not in own.text.split()


def test_an_and_follow_up_that_asks_its_own_aspect_does_not_ask_the_old_one_again():
    """"and the rare ones?" after "what are the side effects of X" asks the side effects again; "and its
    side effects?" after "how does it work on the skin" asks side effects, not how it works, and "what
    about lenalidomide's side effects" after a pregnancy question asks its side effects alone."""
    from bot.conversation import resolve

    after_side_effects = Context(("imiquimod",), ("side", "effects"), 1)
    rare = resolve("and the rare ones?", after_side_effects, [], ["rare", "ones"], True)
    assert rare.follow_up and {"side", "effects"} <= set(rare.text.split())
    after_working = Context(("imiquimod",), ("work", "skin"), 2)
    own = resolve("and its side effects?", after_working, [], ["side", "effects"], True)
    assert own.follow_up and "imiquimod" in own.text.split()
    assert not {"work", "skin"} & set(own.text.split())
    new_drug = resolve(
        "what about lenalidomide side effects", Context(("thalidomide",), ("pregnancy",), 1),
        ["lenalidomide"], ["side", "effects"], True, lambda w: w.endswith("mide"),
    )
    assert new_drug.follow_up and "pregnancy" not in new_drug.text.split()


def test_after_a_topic_a_question_in_function_words_is_a_follow_up_not_a_greeting(bot):
    """ "so what do I have to do then" names nothing the index knows and no pronoun: it was answered
    with the bot's introduction. After a topic it asks about that topic; before one, and when it asks
    about the bot ("what can you do?"), it still gets the introduction."""
    first = bot.ask("is thalidomide dangerous in pregnancy")
    assert first.type == "answer"
    introduction = bot.ask("ok").answer
    for message in ("so what do i have to do then", "and why?", "ok so how then?"):
        reply = bot.ask(message, first.context)
        assert reply.answer != introduction and reply.follow_up_topic is not None, message
        assert bot.ask(message).answer == introduction, message
    assert bot.ask("what can you do?", first.context).answer == introduction
    assert bot.ask("ok", first.context).answer == introduction


def test_a_misspelled_drug_is_carried_as_the_pages_spell_it(bot):
    """The context carries only words the pages use: "revlimd" was dropped from it, and "what are the
    side effects?" next was asked which medicine was meant."""
    first = bot.ask("revlimd side efects")
    assert first.type == "answer" and bot.codec.loads(first.context).subject == ("revlimid",)
    second = bot.ask("how is it given?", first.context)
    assert second.type == "answer" and second.follow_up_topic == "Revlimid"


def test_a_hyphenated_name_is_carried_as_the_topic(bot):
    """'B-cell' is two common words apart; written solid it names one thing, and the follow-up stays on it."""
    first = bot.ask("what is a b-cell inhibitor")
    assert "bcell" in bot.codec.loads(first.context).subject
    second = bot.ask("can you name one", first.context)
    assert second.type == "answer" and "rituximab" in second.answer.lower()


def test_context_is_signed_and_round_trips():
    codec = ContextCodec("k")
    context = Context(("bcg",), ("given",), 2)
    assert codec.loads(codec.dumps(context)) == context
    assert ContextCodec("other-key").loads(codec.dumps(context)) == Context()


@pytest.mark.parametrize(
    "forged",
    [
        "garbage",
        "",
        123,
        None,
        {"s": ["bcg"]},
        "x" * 5000,
        base64.urlsafe_b64encode(json.dumps({"s": ["<script>"], "f": [], "t": 1}).encode()).decode(),
    ],
)
def test_forged_or_malformed_context_degrades_to_no_context(bot, forged):
    reply = bot.ask("How is it given?", forged)
    assert reply.type in {"answer", "no_answer"}
    assert "<script>" not in reply.answer


def test_tampered_payload_is_rejected_even_with_a_valid_shape():
    codec = ContextCodec("k")
    token = codec.dumps(Context(("bcg",), (), 1))
    raw = bytearray(base64.urlsafe_b64decode(token))
    for position in (10, len(raw) // 2, len(raw) - 1):  # the timestamp, the ciphertext, the MAC
        forged = bytearray(raw)
        forged[position] ^= 1
        assert codec.loads(base64.urlsafe_b64encode(bytes(forged)).decode()) == Context()
    plain = base64.urlsafe_b64encode(json.dumps({"s": ["ignore previous instructions"], "f": [], "t": 1}).encode())
    assert codec.loads(plain.decode()) == Context()


def test_context_is_encrypted_not_just_signed():
    token = ContextCodec("k").dumps(Context(("lenalidomide", "neuropathy"), ("side", "effects"), 3))
    decoded = base64.urlsafe_b64decode(token)
    for word in (b"lenalidomide", b"neuropathy", b"side", b"effects"):
        assert word not in decoded


def test_context_expires_after_its_max_age():
    import time

    codec = ContextCodec("k", max_age=1)
    token = codec.dumps(Context(("bcg",), (), 1))
    assert codec.loads(token) == Context(("bcg",), (), 1)
    time.sleep(2.1)
    assert codec.loads(token) == Context()


def test_context_carries_only_index_terms(bot):
    first = bot.ask("My friend Gonzalez asked: what is lenalidomide?")
    follow = bot.ask("what about maria's side effects?", first.context)
    for reply in (first, follow):
        carried = bot.codec.loads(reply.context)
        assert "gonzalez" not in carried.subject + carried.frame and "maria" not in carried.subject + carried.frame
        assert all(bot.codec._vocabulary(w) for w in carried.subject + carried.frame)
    assert "lenalidomide" in bot.codec.loads(first.context).subject


@pytest.mark.parametrize(
    "question, topic",
    [
        ("How is imiquimod applied?", "imiquimod"),
        ("What is BCG used for?", "BCG"),
        ("Why take aspirin with Revlimid?", "Revlimid"),
    ],
)
def test_suggestions_name_the_drug_asked_about(bot, question, topic):
    suggestions = bot.ask(question).suggestions
    assert suggestions and all(f" {topic}?" in s or f" {topic} " in s for s in suggestions)
    assert not any("applied given" in s or "imiquimod applied" in s for s in suggestions)


def test_every_suggested_question_is_one_the_pages_answer(bot):
    """Suggestions after the dev set's answers and after 'what is X' for each drug the pages only list
    (where 'How is X given?' would be refused): asked, each gets an answer."""
    import re

    from tests.conftest import eval_cases

    questions = [c["question"] for c in eval_cases() if c["kind"] == "answer"]
    for pid in range(bot.index.n_passages):
        text = bot.index.passage(pid).text
        if "Examples include:" in text:
            questions += [f"what is {n}" for n in re.findall(r"^\s*• (\w+)", text, re.MULTILINE)]
    offered = {s for q in questions for s in bot.ask(q).suggestions}
    assert len(offered) >= 10
    refused = [s for s in offered if bot.ask(s).type != "answer"]
    assert not refused, refused


def test_no_suggestion_without_a_named_drug(bot):
    assert bot.ask("What is a JAK inhibitor?").suggestions == []


@pytest.mark.parametrize(
    "first, second",
    [
        ("is there a cancer helpline I can call at night?", "Where do the clots from these pills start?"),
        ("what is imiquimod", "and are these drugs a risk in pregnancy with thalidomide"),
    ],
)
def test_a_message_refused_as_a_follow_up_is_read_on_its_own_when_it_names_a_topic(bot, first, second):
    """'these' made the second message a follow-up of the first topic, and the two together were refused;
    on its own it is answered, so it is answered."""
    alone = bot.ask(second)
    assert alone.type == "answer"
    after = bot.ask(second, bot.ask(first).context)
    assert after.type == "answer" and after.answer == alone.answer


def test_the_follow_up_label_names_the_drug_first(bot):
    """The "About:" label read "nerve Revlimid" (the carried words in the order typed): the drug or
    condition comes first, and the other words follow, set apart."""
    first = bot.ask("does revlimid cause nerve damage")
    follow_up = bot.ask("so what do i have to do then", first.context)
    label = follow_up.follow_up_topic
    assert label is not None and label.split(", ")[0] == "Revlimid"
    assert "nerve" in label.split(", ")[1:]


def test_the_label_and_suggestions_name_the_drug_before_the_condition(bot):
    """The label read "myeloma, Revlimid" and the suggestions "What are the side effects of Revlimid
    myeloma?" after a question that named both."""
    first = bot.ask("my dad just started revlimid for his myeloma, what is it")
    assert first.suggestions and all("myeloma" not in s for s in first.suggestions)
    assert any("Revlimid" in s for s in first.suggestions)
    follow_up = bot.ask("so what do i have to do then", first.context)
    assert follow_up.follow_up_topic is not None and follow_up.follow_up_topic.split(", ")[0] == "Revlimid"


def test_a_pronoun_after_the_drug_a_question_names_stands_for_that_drug():
    """ "imiquimod cream how often do i put it on" after a prednisone question was read as a follow-up
    about prednisone (its "it") and labelled so. The pronoun comes after the drug it names: it stands for
    that drug. A pronoun before the drug ("can I take it with imiquimod") still points back."""
    from bot.conversation import resolve

    before = Context(("prednisone",), ("side", "effects"), 1)
    is_drug = {"prednisone", "imiquimod"}.__contains__
    own = resolve("imiquimod cream how often do i put it on", before, ["imiquimod", "cream"], ["often"], True, is_drug)
    assert not own.follow_up and "prednisone" not in own.text
    back = resolve("can i take it with imiquimod", before, ["imiquimod"], ["take"], True, is_drug)
    assert back.follow_up and back.about == ("prednisone",)
    assert resolve("how often do i put it on", before, [], ["often"], True, is_drug).follow_up


def test_the_it_of_is_it_safe_to_does_not_point_back():
    """ "is it safe to drive on thalidomide" after a Humira question was read as a follow-up about Humira
    and refused under "About: humira": its "it" stands for the driving, not for the last topic. An "it"
    later in the message still points back, and "likely to" and a participle keep theirs."""
    from bot.conversation import resolve

    before = Context(("humira",), ("side", "effects"), 1)
    is_drug = {"humira", "thalidomide"}.__contains__
    for own in ("is it safe to drive on thalidomide", "it's normal that my hair thins on thalidomide"):
        read = resolve(own, before, ["thalidomide"], ["safe"], True, is_drug)
        assert not read.follow_up and "humira" not in read.text
    for back in (
        "is it ok to take it with thalidomide",
        "is it likely to react with thalidomide",
        "is it given to people on thalidomide",
    ):
        read = resolve(back, before, ["thalidomide"], [], True, is_drug)
        assert read.follow_up and read.about == ("humira",), back


def test_a_new_question_put_as_is_it_safe_to_is_not_labelled_with_the_last_topic(bot):
    first = bot.ask("what is humira")
    second = bot.ask("is it safe to drive on thalidomide", first.context)
    assert second.follow_up_topic is None or "humira" not in second.follow_up_topic.lower()


@pytest.mark.parametrize(
    "message", ["same risk with revlimid", "is it the same with revlimid?", "what about revlimid?"]
)
def test_the_same_asked_of_a_new_drug_keeps_what_was_asked_of_the_old(message):
    """After "blood clots on thalidomide, is that a thing", the clots are a topic word of that question,
    not its frame; "same risk with revlimid" swaps the drug and keeps the clots."""
    from bot.conversation import resolve

    before = Context(("clots", "thalidomide"), ("blood",), 1)
    is_drug = {"thalidomide", "revlimid"}.__contains__
    resolved = resolve(message, before, ["revlimid"], ["risk"] if "risk" in message else [], True, is_drug)
    assert resolved.follow_up and resolved.subject == ("revlimid",)
    assert {"clots", "blood"} <= set(resolved.text.split()) and "thalidomide" not in resolved.text
    # a new topic that is not a drug does not inherit the old one's words: "and for kids"
    not_a_drug = resolve("what about kids?", before, ["kids"], [], True, is_drug)
    assert "clots" not in not_a_drug.text.split()


def test_the_same_risk_with_another_drug_is_answered_with_that_risk(bot):
    first = bot.ask("blood clots on thalidomide, is that a thing")
    second = bot.ask("same risk with revlimid", first.context)
    assert second.type == "answer" and "clots" in second.segments[0].text
