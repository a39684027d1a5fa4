"""Server-rendered parts of issue 10: collapsed source cards, the no-JS page opening at the newest turn,
labels for unnamed and undated sources, the compact staff lookup, and the urgent+answer contract."""

from __future__ import annotations

import re
from typing import Any

from bot.reply import Answer
from web.excerpts import excerpt, fold_copies
from web.render import segment_blocks

UNNAMED_DOC = "immunomodulators-side-effects-copy"  # the default corpus's unnamed, undated copy


def section(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


def test_source_cards_show_the_quoted_sentences_marked_and_the_passage_on_demand(client):
    reply = client.post("/api/chat", json={"message": "What are the side effects of lenalidomide?"}).get_json()
    html = client.post("/", data={"message": "What are the side effects of lenalidomide?"}).get_data(as_text=True)
    cards = re.findall(r'<li class="source".*?</li>', html, re.S)
    assert len(cards) == len(reply["citations"]) > 0
    for card, citation in zip(cards, reply["citations"]):
        quoted = [s["text"] for s in reply["segments"] if s["n"] == citation["n"]]
        collapsed = re.search(r'<blockquote class="quote">(.*?)</blockquote>', card, re.S).group(1)
        marks = re.findall(r'<mark class="quoted">(.*?)</mark>', collapsed, re.S)
        shown = " ".join(marks)
        assert marks and all(line in shown for q in quoted for line in q.replace("&", "&amp;").split("\n"))
        assert '<details class="whole">' in card and '<details class="whole" open' not in card
        assert "Show the whole passage" in card
        assert re.findall(r"<mark(?! class=\"quoted\")", card) == [], "no loose keywords marked"


def test_no_javascript_page_opens_at_the_newest_turn(client):
    html = client.post("/", data={"message": "How is BCG given?"}).get_data(as_text=True)
    actions = re.findall(r'<form[^>]*action="([^"]+)"', html)
    assert actions and all(a.endswith("/#latest") for a in actions)
    assert html.count('id="latest"') == 1
    assert html.index('id="latest"') > html.index("You asked: </span>How is BCG given?") - 200
    history = re.search(r'name="history" value="([^"]+)"', html).group(1)
    urgent = client.post("/", data={"message": "I have crushing chest pain", "history": history}).get_data(as_text=True)
    card = re.search(r'<div class="msg bot urgent"[^>]*>', urgent).group(0)
    assert 'role="alert"' in card and 'id="latest"' in card and urgent.count('id="latest"') == 1
    history = re.search(r'name="history" value="([^"]+)"', urgent).group(1)
    after = client.post("/", data={"message": "What is imiquimod?", "history": history}).get_data(as_text=True)
    earlier = re.search(r'<div class="msg bot urgent"[^>]*>', after).group(0)
    assert 'role="alert"' not in earlier, "an earlier emergency is not announced again"


def test_unnamed_and_undated_sources_are_labelled_everywhere(client):
    chat = client.post("/", data={"message": "Who should not use imiquimod?"}).get_data(as_text=True)
    card = section(chat, '<li class="source"', "</li>")
    assert "publisher not named" in card and "date unknown" in card
    lookup = client.get("/lookup?q=organ+transplant+imiquimod").get_data(as_text=True)
    result = next(
        r
        for r in re.findall(r'<li class="result".*?</li>\s*(?=<li class="result"|</ol>)', lookup, re.S)
        if UNNAMED_DOC in r
    )
    assert "publisher not named" in result and "date unknown" in result
    copy = re.search(r'data-copy="([^"]*)"', result).group(1)
    assert "publisher not named" in copy and "date unknown" in copy
    assert f"http://localhost/sources/{UNNAMED_DOC}" in copy, "a copy with no original URL links the reading view"
    source = client.get(f"/sources/{UNNAMED_DOC}").get_data(as_text=True)
    assert "Publisher not named" in source or "publisher not named" in source
    assert "date unknown" in source


def test_copy_with_citation_gives_quote_publisher_title_date_and_url(client):
    html = client.get("/lookup?q=how+is+BCG+given").get_data(as_text=True)
    result = re.search(r'<li class="result".*?</li>\s*(?=<li class="result"|</ol>)', html, re.S).group(0)
    copy = re.search(r'data-copy="([^"]*)"', result).group(1)
    quote = re.search(r'<mark class="quoted">(.*?)</mark>', result, re.S).group(1)
    title = re.search(r"<strong>(.*?)</strong>", result).group(1)
    assert copy.startswith("&#34;" + quote.strip()) or copy.startswith("&quot;" + quote.strip())
    assert title in copy and re.search(r"reviewed \d{4}-\d{2}-\d{2}|date unknown", copy)
    assert re.search(r"https?://", copy)


def test_lookup_is_posted_never_cached_and_shows_no_scores(client, app):
    page = client.get("/lookup").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/lookup"', page)
    for response in (client.get("/lookup?q=imiquimod"), client.post("/lookup", data={"q": "imiquimod"})):
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
        assert 0 < html.count('class="result"') <= app.config["LOOKUP_K"]
        assert not re.search(r"\bscore\b", section(html, '<ol class="results">', "</ol>"))


def test_patient_pages_carry_no_staff_link(client):
    assert "/lookup" not in client.get("/").get_data(as_text=True)
    assert "/lookup" not in client.get("/widget").get_data(as_text=True)
    assert 'href="/lookup"' in client.get("/lookup").get_data(as_text=True)


def test_phone_numbers_are_kept_on_one_line(client, app):
    html = client.post("/", data={"message": "My child swallowed my pills"}).get_data(as_text=True)
    number = app.config["POISON_CONTROL_PHONE"]
    assert f'<span class="phone">{number}</span>' in html
    assert number not in html.replace(f'<span class="phone">{number}</span>', "").replace(f'"tel:{number}"', "")


def result(doc_id: str, match: str, passage: str | None = None, publisher=None, reviewed=None) -> dict[str, Any]:
    return {
        "doc_id": doc_id,
        "publisher": publisher,
        "reviewed": reviewed,
        "passage": passage or match,
        "excerpt": {"before": "", "match": match, "after": ""},
    }


def test_copies_fold_under_the_best_attributed_source_where_the_first_one_ranked():
    results = [
        result("copy", "These medications can cause sleepiness, tiredness, constipation and low blood counts."),
        result(
            "other",
            "BCG is put into the bladder through a catheter once a week.",
            publisher="Clinic",
            passage="BCG is put into the bladder through a catheter once a week. Short match.",
        ),
        result(
            "acs",
            "These drugs can cause drowsiness, fatigue, constipation and low blood counts.",
            publisher="American Cancer Society",
            reviewed="2025-07-07",
        ),
        result("old", "Short match.", publisher="American Cancer Society", reviewed="2019-12-27"),
    ]
    groups = fold_copies(results)
    assert [g["main"]["doc_id"] for g in groups] == ["acs", "other", "old"]
    assert [c["doc_id"] for c in groups[0]["copies"]] == ["copy"]
    assert groups[2]["copies"] == [], "a short match contained in another passage is not a copy"


def test_excerpt_is_the_best_matching_sentence_with_a_little_context():
    match = "It treats basal cell carcinoma on the skin."
    passage = ("Imiquimod is a cream. " * 8) + match + (" Other words here." * 8)
    cut = excerpt(passage, ["basal", "carcinoma"], context_chars=40)
    assert cut["match"] == match
    assert cut["before"].startswith("…") and len(cut["before"]) <= 41
    assert cut["after"].endswith("…") and len(cut["after"]) <= 41


class MixedMessageBot:
    """The real engine, except that every question gets the urgent+answer reply of the new contract,
    put together from the engine's own emergency reply and its cited answer."""

    def __init__(self, bot, question: str) -> None:
        self.bot, self.question = bot, question

    def __getattr__(self, name: str):
        return getattr(self.bot, name)

    def ask(self, message, context=None):
        urgent = self.bot.ask("I have crushing chest pain")
        answer = self.bot.ask(self.question)
        return Answer(
            "urgent",
            urgent.answer + "\n\n" + answer.answer,
            answer.citations,
            urgent.context,
            segments=answer.segments,
            actions=urgent.actions,
            emergency={"kind": "emergency", "text": urgent.answer},
        )


def test_urgent_reply_with_an_answer_shows_the_card_first_then_the_cited_answer(app):
    question = "What are the side effects of lenalidomide?"
    app.extensions["bot"] = MixedMessageBot(app.extensions["bot"], question)
    client = app.test_client()
    reply = client.post("/api/chat", json={"message": "side effects of lenalidomide, also my chest is crushing"})
    data = reply.get_json()
    assert data["emergency"]["kind"] == "emergency" and data["segments"]
    html = client.post("/", data={"message": "side effects of lenalidomide, also my chest is crushing"}).get_data(
        as_text=True
    )
    card, answer = html.index('class="msg bot urgent"'), html.index('class="msg bot answer"')
    assert card < answer
    assert html.index(data["emergency"]["text"][:40]) < answer
    first_line = data["segments"][0]["text"].split("\n")[0]
    assert html.index(first_line.replace("'", "&#39;")) > answer
    assert html.count('<li class="source"') == len(data["citations"])


def test_lookup_folds_a_reworded_copy_under_the_named_source(client):
    html = client.get("/lookup?q=BCG+bladder").get_data(as_text=True)
    folded = re.findall(r'<li class="result".*?</li>\s*(?=<li class="result"|</ol>)', html, re.S)
    folded = [r for r in folded if '<details class="copies">' in r]
    assert folded, "the default corpus's reworded copy of the ACS page is folded"
    for r in folded:
        head = re.search(r'<p class="src-head">(.*?)</p>', r, re.S).group(1)
        copies = section(r, '<details class="copies">', "</details>")
        assert "publisher not named" not in head and "publisher not named" in copies


def test_a_quote_keeps_paragraphs_as_paragraphs_and_list_items_as_a_list():
    text = "Imiquimod is a cream.\nIts side effects include redness.\n• Blisters\n• Itching"
    assert segment_blocks(text) == [
        ("p", ["Imiquimod is a cream."]),
        ("p", ["Its side effects include redness."]),
        ("ul", ["Blisters", "Itching"]),
    ]


def test_a_quote_across_a_paragraph_break_is_shown_as_two_paragraphs(client):
    data = client.post("/api/chat", json={"message": "What side effects do iMiDs cause?"}).get_json()
    split = [s["text"] for s in data["segments"] if "\n" in s["text"] and "•" not in s["text"]]
    assert split, "expected a quote that runs across a paragraph break"
    html = client.post("/", data={"message": "What side effects do iMiDs cause?"}).get_data(as_text=True)
    for line in split[0].split("\n"):
        assert f"<p>{line.replace(chr(39), '&#39;')}" in html


def test_the_starter_questions_are_a_setting(index_dir, tmp_path):
    from tests.conftest import make_app

    app = make_app(index_dir, tmp_path, STARTER_QUESTIONS="How is BCG given? | What is imiquimod?")
    page = app.test_client().get("/").get_data(as_text=True)
    assert 'placeholder="For example: How is BCG given?"' in page and "What is imiquimod?" in page
    assert "What are the side effects of lenalidomide?" not in page  # the defaults are replaced
