"""The chat behaves like a chat (issue 10), checked in Chromium at a desktop and a phone size: the newest
answer and any emergency card in view and uncovered, nothing typed lost, sources collapsed, the widget
usable on a phone, and no axe violations on any page. Screenshots land in tests/browser/screenshots/."""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.conftest import AXE, shot

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
EMERGENCY = "I have sudden crushing chest pain and can't breathe"
QUESTIONS = ("What are the side effects of lenalidomide?", "How is BCG given?", "Who should not use imiquimod?")

# Is the element (or only its first line) inside the viewport, and is it what is drawn there, not a
# sticky bar, a pill or another layer on top of it?
UNCOVERED = """([selector, firstLine]) => {
  const all = document.querySelectorAll(selector);
  const el = all[all.length - 1];
  if (!el) return {ok: false, why: 'missing'};
  let r = el.getBoundingClientRect();
  if (firstLine) {
    const first = el.querySelector('.text > *, .urgent-title') || el;
    const f = first.getBoundingClientRect();
    r = {top: f.top, bottom: Math.min(f.bottom, f.top + 22), left: r.left, right: r.right};
  }
  const H = window.innerHeight, W = document.documentElement.clientWidth;
  const where = {top: r.top, bottom: r.bottom, left: r.left, right: r.right, H: H, W: W};
  if (r.top < 0 || r.bottom > H + 0.5 || r.left < 0 || r.right > W + 0.5) return {ok: false, why: 'outside', where};
  const ys = firstLine ? [r.top + 8] : [r.top + 4, (r.top + r.bottom) / 2, r.bottom - 4];
  // inset by up to half the height, so a rounded corner is not taken for what lies under it
  const inset = Math.max(8, Math.min((r.bottom - r.top) / 2, (r.right - r.left) / 4));
  for (const y of ys) for (const x of [r.left + inset, (r.left + r.right) / 2, r.right - inset]) {
    const hit = document.elementFromPoint(x, y);
    const by = hit ? hit.outerHTML.slice(0, 80) : null;
    if (!hit || !el.contains(hit)) return {ok: false, why: 'covered', by, x, y, where};
  }
  return {ok: true};
}"""


@pytest.fixture(params=sorted(SIZES))
def size(request):
    return request.param


@pytest.fixture()
def context(browser, size):
    context = browser.new_context(viewport=SIZES[size], is_mobile=size == "phone", has_touch=size == "phone")
    yield context
    context.close()


@pytest.fixture()
def page(context):
    return context.new_page()


def uncovered(target, selector: str, first_line: bool = False) -> dict:
    return target.evaluate(UNCOVERED, [selector, first_line])


def wait_uncovered(target, selector: str, first_line: bool = False) -> dict:
    """Scrolling settles within a frame or two; poll briefly, then report what was found."""
    result: dict = {}
    for _ in range(20):
        result = uncovered(target, selector, first_line)
        if result["ok"]:
            break
        target.wait_for_timeout(50)
    return result


def wait_until(target, expression: str, tries: int = 100) -> None:
    """Poll an expression (wait_for_function would need eval, which the app's CSP forbids)."""
    for _ in range(tries):
        if target.evaluate(expression):
            return
        target.wait_for_timeout(50)
    raise AssertionError(f"never true: {expression}")


def ask(target, question: str):
    before = target.locator(".msg.bot").count()
    target.locator("#message").fill(question)
    target.locator("#message").press("Enter")
    reply = target.locator(".msg.bot").nth(before)
    reply.wait_for()
    return reply


def test_newest_answer_is_in_view_after_three_questions(page, live_server, size):
    page.goto(live_server + "/")
    for question in QUESTIONS:
        ask(page, question)
        result = wait_uncovered(page, ".msg.bot", first_line=True)
        assert result["ok"], (question, result)
    # your own messages sit on the right
    user = page.locator(".msg.user").last.bounding_box()
    log = page.locator("#log").bounding_box()
    assert abs((user["x"] + user["width"]) - (log["x"] + log["width"])) < 2 and user["x"] > log["x"] + 10
    shot(page, f"chat-three-questions-{size}", full_page=False)
    shot(page, f"chat-three-questions-{size}-full")


def test_emergency_card_is_fully_visible_when_it_arrives(page, live_server, size):
    page.goto(live_server + "/")
    ask(page, QUESTIONS[0])
    ask(page, QUESTIONS[1])
    card = ask(page, EMERGENCY)
    assert "urgent" in card.get_attribute("class") and card.get_attribute("role") == "alert"
    result = wait_uncovered(page, ".msg.urgent")
    assert result["ok"], result
    shot(page, f"chat-emergency-{size}", full_page=False)


def test_emergency_card_is_first_on_screen_without_javascript(browser, live_server, size):
    context = browser.new_context(viewport=SIZES[size], java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/")
    for question in QUESTIONS[:2] + (EMERGENCY,):
        page.fill("#message", question)
        page.click("button.send")
        page.wait_for_load_state()
    assert page.evaluate("location.hash") == "#latest"
    assert page.locator(".msg.urgent").get_attribute("role") == "alert"
    result = uncovered(page, ".msg.urgent")
    assert result["ok"], result
    shot(page, f"nojs-emergency-{size}", full_page=False)
    # an ordinary answer opens at its turn too: the newest answer's first line is on screen
    page.fill("#message", QUESTIONS[2])
    page.click("button.send")
    page.wait_for_load_state()
    result = uncovered(page, ".msg.bot", first_line=True)
    assert result["ok"], result
    shot(page, f"nojs-answer-{size}", full_page=False)
    context.close()


def open_widget(page, host: str):
    page.goto(host)
    page.click("text=Ask our nurse bot")
    frame = page.frame_locator("#immunobot-frame")
    frame.locator("#message").wait_for()
    inner = next(f for f in page.frames if f != page.main_frame)
    wait_until(inner, "document.documentElement.style.getPropertyValue('--ask-height') !== ''")  # chat.js ran
    return frame, inner


def test_emergency_card_is_fully_visible_in_the_widget(page, host_pages, size):
    frame, inner = open_widget(page, host_pages[0])
    ask(frame, QUESTIONS[0])
    ask(frame, EMERGENCY)
    result = wait_uncovered(inner, ".msg.urgent")
    assert result["ok"], result
    box = page.locator("#immunobot-frame").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= SIZES[size]["height"] + 0.5
    # the header (with its close button) and the question box stay pinned while the conversation scrolls
    for pinned in (".top", "button.send"):
        result = uncovered(inner, pinned)
        assert result["ok"], (pinned, result)
    shot(page, f"widget-emergency-{size}", full_page=False)


def test_widget_on_a_phone_fills_the_screen_and_escape_closes_it(browser, host_pages):
    context = browser.new_context(viewport=SIZES["phone"], is_mobile=True, has_touch=True)
    page = context.new_page()
    frame, inner = open_widget(page, host_pages[0])
    launcher = page.locator("button", has_text="Close chat")
    assert launcher.get_attribute("aria-expanded") == "true"
    box = page.locator("#immunobot-frame").bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 360, 740)
    assert uncovered(inner, "button.send")["ok"]
    assert uncovered(inner, "#close-widget")["ok"]
    shot(page, "widget-open-phone", full_page=False)
    frame.locator("#message").press("Escape")
    page.locator("#immunobot-frame").wait_for(state="hidden")
    focused = page.evaluate("[document.activeElement.tagName, document.activeElement.textContent]")
    assert focused == ["BUTTON", "Ask our nurse bot"], "focus returns to the launcher, its label back"
    context.close()


def test_widget_host_colour_gets_readable_text(page, host_pages, size):
    yellow = host_pages[0].replace("index.html", "yellow.html")
    _, inner = open_widget(page, yellow)
    colours = inner.evaluate(
        "[getComputedStyle(document.querySelector('.send')).color,"
        " getComputedStyle(document.querySelector('.send')).backgroundColor]"
    )
    assert colours == ["rgb(0, 0, 0)", "rgb(255, 212, 0)"], colours
    launcher = page.evaluate("getComputedStyle(document.querySelector('button[aria-controls]')).color")
    assert launcher == "rgb(0, 0, 0)"
    shot(page, f"widget-yellow-{size}", full_page=False)


def test_rate_limited_message_keeps_its_text_and_offers_retry(page, serve_app, size):
    server = serve_app(RATE_LIMIT="1 per minute")
    page.goto(server + "/")
    ask(page, QUESTIONS[1])
    text = "What is imiquimod used for?"
    page.fill("#message", text)
    page.press("#message", "Enter")
    failed = page.locator(".msg.failed")
    failed.wait_for()
    assert "Too many" in failed.inner_text()
    assert page.locator(".msg.user").last.inner_text().endswith(text), "the message stays in the conversation"
    assert page.input_value("#message") == text, "and back in the box, ready to send again"
    shot(page, f"chat-429-{size}", full_page=False)
    failed.locator("button.retry").click()
    page.locator(".msg.failed").wait_for()  # still limited: it fails again and still keeps the text
    assert page.locator(".msg.user").count() == 2 and page.locator(".msg.failed").count() == 1


def test_a_message_sent_while_one_is_pending_is_answered_in_order(page, live_server, size):
    held = []
    page.route("**/api/chat", lambda route: held.append(route) if not held else route.continue_())
    page.goto(live_server + "/")
    page.fill("#message", "How is BCG given?")
    page.press("#message", "Enter")
    page.locator(".msg.pending .dots").wait_for()
    assert page.input_value("#message") == ""
    assert page.locator("#announce").get_attribute("aria-live") == "polite"
    wait_until(page, "document.getElementById('announce').textContent.includes('Looking')")
    shot(page, f"chat-pending-{size}", full_page=False)
    page.fill("#message", "Who should not use imiquimod?")
    page.press("#message", "Enter")
    assert page.locator(".msg.user").count() == 2, "both messages show at once"
    page.locator(".msg.pending.queued").wait_for()
    assert len(held) == 1
    held[0].continue_()
    page.locator(".msg.bot").nth(1).wait_for()
    turns = page.locator(".turn")
    assert "catheter" in turns.nth(0).locator(".msg.bot").inner_text()
    assert "transplant" in turns.nth(1).locator(".msg.bot").inner_text()
    assert page.locator(".msg.pending").count() == 0


def test_new_answer_pill_when_the_reader_has_scrolled_up(page, live_server, size):
    page.goto(live_server + "/")
    ask(page, QUESTIONS[0])
    ask(page, QUESTIONS[2])
    held = []
    page.route("**/api/chat", lambda route: held.append(route))
    page.fill("#message", QUESTIONS[1])
    page.press("#message", "Enter")
    wait_until(page, "document.querySelectorAll('.msg.pending').length === 1")
    page.evaluate("window.scrollTo(0, 0)")
    while not held:
        page.wait_for_timeout(20)
    held[0].continue_()
    page.locator(".msg.bot").nth(2).wait_for()
    pill = page.locator("#new-answer")
    pill.wait_for()
    assert page.evaluate("window.scrollY") == 0, "no jump while the reader is reading above"
    result = uncovered(page, "#new-answer")
    assert result["ok"], result
    shot(page, f"chat-pill-{size}", full_page=False)
    pill.click()
    assert wait_uncovered(page, ".msg.bot", first_line=True)["ok"]
    assert pill.is_hidden()


def test_source_cards_are_collapsed_and_mark_only_the_quoted_sentence(page, live_server, size):
    page.goto(live_server + "/")
    with page.expect_response("**/api/chat") as response:
        reply = ask(page, QUESTIONS[0])
    data = response.value.json()
    cards = reply.locator("li.source")
    assert cards.count() == len(data["citations"]) > 0
    for i, citation in enumerate(data["citations"]):
        card = cards.nth(i)
        quoted = [s["text"] for s in data["segments"] if s["n"] == citation["n"]]
        marks = card.locator("blockquote.quote mark.quoted")
        # a phone shows each sentence once, in the answer: the card's quote of it is left to the marked
        # whole passage, a tap away, where the desktop's room shows it at once
        assert marks.count() >= 1 and marks.first.is_visible() == (size == "desktop")
        lines = [line.strip() for q in quoted for line in q.split("\n") if line.strip()]
        shown = " ".join(marks.all_text_contents())
        assert all(line in shown for line in lines), "every quoted sentence is marked"
        for line in lines:
            shown = shown.replace(line, "")
        assert shown.replace("…", "").strip() == "", "and nothing else is"
        assert card.locator("mark:not(.quoted)").count() == 0, "no loose keywords marked"
        whole = card.locator("details.whole")
        assert whole.get_attribute("open") is None and whole.locator("blockquote").is_hidden()
    cards.first.locator("summary").click()
    passage = cards.first.locator("details.whole blockquote")
    assert passage.is_visible() and passage.inner_text().strip() == data["citations"][0]["passage"].strip()
    first_quoted = [s["text"] for s in data["segments"] if s["n"] == data["citations"][0]["n"]]
    marked = " ".join(passage.locator("mark.quoted").all_inner_texts())
    assert all(line.strip() in marked for q in first_quoted for line in q.split("\n") if line.strip())
    shot(page, f"chat-sources-{size}")


def test_unnamed_and_undated_sources_are_labelled(page, live_server, size):
    page.goto(live_server + "/")
    with page.expect_response("**/api/chat") as response:
        reply = ask(page, "Who should not use imiquimod?")
    citations = response.value.json()["citations"]
    unnamed = [i for i, c in enumerate(citations) if not c["publisher"]]
    assert unnamed, "this question is answered from the unnamed copy in the default corpus"
    for i, c in enumerate(citations):
        head = reply.locator("li.source").nth(i).locator(".src-head").inner_text()
        assert ("publisher not named" in head) == (not c["publisher"])
        assert ("date unknown" in head) == (not c["reviewed"])
    page.goto(live_server + "/lookup?q=organ+transplant+imiquimod")
    heads = page.locator(".result .src-head").all_inner_texts()
    assert heads and all(("·" in h) for h in heads)
    assert not any(re.search(r"\bscore\b", h) for h in heads)


def test_send_is_visible_on_an_empty_page(browser, live_server):
    # 360 x 740, 1280 x 800, and 1280 x 800 at 200% zoom (a 640 x 400 CSS-pixel viewport)
    for viewport, scale in (
        ({"width": 360, "height": 740}, 1),
        ({"width": 1280, "height": 800}, 1),
        ({"width": 640, "height": 400}, 2),
    ):
        context = browser.new_context(viewport=viewport, device_scale_factor=scale)
        page = context.new_page()
        page.goto(live_server + "/")
        result = uncovered(page, "button.send")
        assert result["ok"], (viewport, result)
        if scale == 2:  # at 200% the fixed parts leave most of the screen to the conversation
            ask(page, QUESTIONS[0])
            page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
            sticky = page.evaluate(
                "[...document.querySelectorAll('.disclaimer, .ask')].filter(e => "
                "['sticky', 'fixed'].includes(getComputedStyle(e).position))"
                ".reduce((h, e) => h + e.getBoundingClientRect().height, 0)"
            )
            assert sticky < viewport["height"] * 0.45, sticky
            shot(page, "chat-zoom-200", full_page=False)
        context.close()


def test_phone_numbers_never_break(page, live_server, size):
    page.goto(live_server + "/")
    ask(page, "My child swallowed my pills")
    ask(page, "What are the side effects of chemotherapy?")
    phones = page.locator(".msg .phone")
    assert phones.count() >= 2
    for i in range(phones.count()):
        assert phones.nth(i).evaluate("e => e.getClientRects().length") == 1, phones.nth(i).inner_text()
    shot(page, f"chat-phones-{size}", full_page=False)


def test_review_dates_never_break(page, live_server, size):
    page.goto(live_server + "/")
    ask(page, "What are the side effects of lenalidomide?")
    dates = page.locator(".source .date")
    assert dates.count() >= 1
    for i in range(dates.count()):
        assert dates.nth(i).evaluate("e => e.getClientRects().length") == 1, dates.nth(i).inner_text()


def test_a_paste_longer_than_a_question_says_what_was_left_out(page, live_server, size):
    page.goto(live_server + "/")
    limit = int(page.locator("body").get_attribute("data-max-chars"))
    page.locator("#message").focus()
    page.evaluate(
        """n => {
            const data = new DataTransfer();
            data.setData("text/plain", "x".repeat(n));
            const paste = new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true});
            document.getElementById("message").dispatchEvent(paste);
        }""",
        limit + 1,
    )
    error = page.locator("#send-error")
    assert error.is_visible() and str(limit) in error.inner_text()


def test_an_emergency_in_the_part_of_a_paste_left_out_still_gets_the_card(page, live_server, size):
    """The box keeps the first part of a long paste; the server reads the whole of it for an emergency,
    and the card comes at once. A calm paste brings only the note (above)."""
    page.goto(live_server + "/")
    limit = int(page.locator("body").get_attribute("data-max-chars"))
    page.locator("#message").focus()
    page.evaluate(
        """text => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            const paste = new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true});
            document.getElementById("message").dispatchEvent(paste);
        }""",
        "I am on revlimid and I keep notes for my doctor. " * (limit // 48) + "Right now I have crushing chest pain.",
    )
    card = page.locator(".msg.bot.urgent")
    card.wait_for(timeout=10000)
    assert 'href="tel:911"' in card.inner_html()
    assert page.locator("#send-error").is_visible()


def test_suggestions_never_offer_a_question_already_asked(page, live_server, size):
    page.goto(live_server + "/")
    ask(page, QUESTIONS[0])
    offered = page.locator(".suggestions .starter").all_inner_texts()
    assert offered and QUESTIONS[0] not in offered
    ask(page, offered[0].lower().rstrip("?"))  # asked as typed: in lower case, without its mark
    ask(page, "and how do I take it?")
    later = page.locator(".suggestions .starter").all_inner_texts()
    asked = {q.lower().rstrip("?") for q in (QUESTIONS[0], offered[0])}
    assert not asked & {s.lower().rstrip("?") for s in later}, later


def test_feedback_shows_the_vote_and_sends_only_what_it_says(page, live_server, size):
    page.goto(live_server + "/")
    reply = ask(page, QUESTIONS[1])
    note = reply.locator(".fb-note")
    assert "your vote" in note.inner_text() and "your question" in note.inner_text()
    with page.expect_request("**/api/feedback") as request:
        reply.locator("button.fb", has_text="Not helpful").click()
    sent = json.loads(request.value.post_data)
    assert set(sent) == {"rating", "question", "type"} and sent["rating"] == "down"
    chosen = reply.locator("button.fb.chosen")
    assert chosen.get_attribute("aria-pressed") == "true" and "Not helpful" in chosen.inner_text()
    assert all(b.is_disabled() for b in reply.locator("button.fb").all())
    assert "Sent:" in note.inner_text()
    shot(page, f"chat-feedback-{size}", full_page=False)


MIXED = "what are the side effects of lenalidomide, also my chest is crushing"


def test_emergency_card_comes_before_the_answer_it_also_asked_for(page, live_server, size):
    """The urgent+answer contract, rendered: the reply is composed here from two real replies, so the
    page is checked whatever the engine does (see the next test for the engine itself)."""
    api = page.request
    urgent = api.post(live_server + "/api/chat", data={"message": EMERGENCY}).json()
    answer = api.post(live_server + "/api/chat", data={"message": QUESTIONS[0]}).json()
    mixed = {
        **urgent,
        "emergency": {"kind": "emergency", "text": urgent["answer"]},
        "answer": urgent["answer"] + "\n\n" + answer["answer"],
        "segments": answer["segments"],
        "citations": answer["citations"],
    }
    page.route("**/api/chat", lambda route: route.fulfill(json=mixed))
    page.goto(live_server + "/")
    ask(page, MIXED)
    check_card_then_answer(page, answer["segments"][0]["text"].split("\n")[0])
    shot(page, f"chat-mixed-{size}", full_page=False)


def check_card_then_answer(page, first_line: str):
    turn = page.locator(".turn").last
    bots = turn.locator(".msg.bot")
    assert bots.count() == 2
    assert "urgent" in bots.nth(0).get_attribute("class") and bots.nth(0).get_attribute("role") == "alert"
    assert first_line in bots.nth(1).inner_text() and bots.nth(1).locator("li.source").count() >= 1
    assert wait_uncovered(page, ".msg.urgent")["ok"]


def test_real_engine_mixed_message_gets_card_then_answer(page, live_server, size):
    page.goto(live_server + "/")
    with page.expect_response("**/api/chat") as response:
        ask(page, MIXED)
    data = response.value.json()
    assert data["type"] == "urgent" and data.get("emergency"), "the engine marks the emergency"
    assert data["segments"], "the engine also answers the side-effects question (needs the engine change on main)"
    check_card_then_answer(page, data["segments"][0]["text"].split("\n")[0])


def test_lookup_filter_applies_on_change(page, live_server, size):
    page.goto(live_server + "/lookup?q=immunomodulators")
    assert page.locator(".result").count() > 1
    page.focus("#source")
    page.select_option("#source", "cleveland-clinic-immunomodulators")
    wait_until(page, "document.getElementById('lookup-status').textContent.includes('from one source')")
    heads = page.locator(".result .src-head").all_inner_texts()
    assert heads and all("Cleveland Clinic" in h for h in heads)
    assert page.evaluate("document.activeElement.id") == "source", "focus stays on the filter"
    shot(page, f"lookup-filtered-{size}")


PAGES = (
    ("chat-empty", "/"),
    ("lookup", "/lookup?q=imiquimod"),
    ("source", "/sources/acs-immunomodulators-2025?start=100&end=300#cited"),
    ("unnamed-source", "/sources/immunomodulators-side-effects-copy"),
    ("widget", "/widget?color=%23ffd400"),
    ("error", "/sources/nope"),
)


def run_axe(page) -> list:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))",
        WCAG,
    )


def test_every_page_has_no_axe_violations_and_is_photographed(browser, live_server, size):
    assert AXE.exists(), "axe-core missing: run `make test`"
    context = browser.new_context(viewport=SIZES[size], bypass_csp=True, is_mobile=size == "phone")
    page = context.new_page()
    results = {}
    for name, path in PAGES:
        page.goto(live_server + path)
        shot(page, f"page-{name}-{size}")
        results[name] = run_axe(page)
    page.goto(live_server + "/")
    ask(page, QUESTIONS[0])
    ask(page, "What are the side effects of chemotherapy?")
    page.locator("button.fb").first.click()
    ask(page, EMERGENCY)
    page.locator("li.source summary").first.click()
    shot(page, f"page-chat-conversation-{size}")
    # axe takes a link half scrolled under the sticky question box for a too-small target; a viewport as
    # tall as the conversation (same width, same layout) shows every part of it uncovered
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": SIZES[size]["width"], "height": height})
    results["chat-conversation"] = run_axe(page)
    context.close()
    nojs = browser.new_context(viewport=SIZES[size], java_script_enabled=False, bypass_csp=True)
    page = nojs.new_page()
    page.goto(live_server + "/")
    page.fill("#message", QUESTIONS[2])
    page.click("button.send")
    page.wait_for_load_state()
    shot(page, f"page-nojs-{size}")
    nojs.close()
    assert all(v == [] for v in results.values()), json.dumps(results, indent=1)


def test_the_spoken_answer_keeps_its_sentences_apart(page, live_server, size):
    """The screen reader's announcement reads each quoted sentence and list item apart: the text of the
    answer's paragraphs run together read "...other drugs.These drugs can also cause..."."""
    page.goto(live_server + "/")
    reply = ask(page, "What are the side effects of lenalidomide?")
    assert reply.locator(".text p, .text li").count() >= 2  # more than one block to keep apart
    wait_until(page, "document.getElementById('announce').textContent.startsWith('Answer: ')")
    spoken = page.locator("#announce").text_content()
    assert not re.search(r"[a-z][.:][A-Z•]", spoken), spoken


def test_an_emergency_alone_leaves_no_stale_status_behind(page, live_server, size):
    """The card speaks for itself (role=alert); the status line must not go on saying "Looking that up…"."""
    page.goto(live_server + "/")
    reply = ask(page, EMERGENCY)
    assert "urgent" in (reply.get_attribute("class") or "")
    wait_until(page, "!document.querySelector('.msg.pending')")
    page.wait_for_timeout(200)  # past the announcer's own delay
    assert "Looking that up" not in (page.locator("#announce").text_content() or "")
