from __future__ import annotations

import json

from tests.browser.conftest import AXE, shot

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def ask(page, question: str):
    before = page.locator(".msg.bot").count()
    page.fill("#message", question)
    page.press("#message", "Enter")
    reply = page.locator(".msg.bot").nth(before)
    reply.wait_for()
    return reply


def test_ask_and_see_a_cited_answer(page, live_server):
    page.goto(live_server + "/")
    assert page.locator(".disclaimer").is_visible()
    reply = ask(page, "How is BCG given?")
    reply.wait_for()
    assert "catheter" in reply.inner_text()
    assert reply.locator("a.ref").first.inner_text() == "[1]"
    card = reply.locator("li.source").first
    assert "reviewed" in card.inner_text() and card.locator("mark").count() > 0
    assert page.locator(".disclaimer").is_visible()
    shot(page, "answer-desktop")


def test_open_a_citation_and_its_source(page, live_server):
    page.goto(live_server + "/")
    reply = ask(page, "Who should not use imiquimod?")
    reply.locator("a.ref").first.click()
    assert page.evaluate("location.hash").startswith("#c-")
    reply.locator("text=Read the whole source").first.click()
    page.wait_for_selector("mark.cited")
    assert "transplant" in page.locator("mark.cited").first.inner_text()
    shot(page, "source-view")


def test_keyboard_only(page, live_server):
    page.goto(live_server + "/")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "message":
            break
    assert page.evaluate("document.activeElement.id") == "message"
    page.keyboard.type("What is Pomalyst used for?")
    page.keyboard.press("Enter")
    page.wait_for_selector(".msg.bot")
    assert "myeloma" in page.locator(".msg.bot").last.inner_text()
    assert page.evaluate("document.activeElement.id") == "message", "focus stays in the question box"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "visible focus"


def test_small_screen_360px(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(live_server + "/")
    ask(page, "What are the side effects of lenalidomide?")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    for box in page.locator("button:visible, a.call:visible").all():
        size = box.bounding_box()
        assert size["height"] >= 24 and size["width"] >= 24
    shot(page, "answer-360px")
    context.close()


def test_markup_typed_as_a_question_stays_text(page, live_server):
    page.goto(live_server + "/")
    ask(page, '<img src=x onerror="window.__pwned=1"> what is BCG')
    assert page.evaluate("window.__pwned") is None
    assert "<img src=x" in page.locator(".msg.user").last.inner_text()
    assert page.locator(".log img").count() == 0


def test_urgent_message_looks_different_and_offers_tel_first(page, live_server):
    page.goto(live_server + "/")
    reply = ask(page, "I have sudden chest pain and shortness of breath")
    assert "urgent" in reply.get_attribute("class")
    first_link = reply.locator("a").first
    assert first_link.get_attribute("href") == "tel:911"
    assert page.evaluate("getComputedStyle(document.querySelector('.msg.urgent')).borderTopWidth") == "3px"
    shot(page, "urgent")


def test_conversation_survives_reload_and_follow_ups_work(page, live_server):
    page.goto(live_server + "/")
    ask(page, "What is imiquimod?")
    ask(page, "What about its side effects?")
    assert page.locator(".msg.bot").count() == 2
    page.reload()
    page.wait_for_selector(".msg.bot")
    assert page.locator(".msg.bot").count() == 2
    page.click("#new-conversation")
    page.wait_for_selector("#welcome")
    assert page.locator(".msg.bot").count() == 0


def test_page_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/")
    page.fill("#message", "How is imiquimod applied?")
    page.click("button.send")
    page.wait_for_selector(".msg.bot")
    assert "[1]" in page.locator(".msg.bot").inner_text()
    page.fill("#message", "how often?")
    page.click("button.send")
    page.wait_for_selector(".msg.bot >> nth=1")
    # the earlier turn is shown from the sealed history, which carries only index words of the question
    assert "(about: imiquimod, applied)" in page.locator(".msg.user").first.inner_text()
    assert "[1]" in page.locator(".msg.bot").nth(1).inner_text()
    shot(page, "no-javascript")
    context.close()


def test_embedding_from_an_allowed_origin_works_and_another_is_refused(browser, host_pages):
    allowed, refused = host_pages
    context = browser.new_context()
    page = context.new_page()
    page.goto(allowed)
    page.click("text=Ask our nurse bot")
    frame = page.frame_locator("#immunobot-frame")
    frame.locator("html[data-ready]").wait_for(state="attached")  # the widget's script has wired the form
    frame.locator("#message").fill("What is BCG?")
    frame.locator("#message").press("Enter")
    frame.locator(".msg.bot").wait_for()
    assert "BCG" in frame.locator(".msg.bot").inner_text()
    shot(page, "embedded-allowed")
    frame.locator("#close-widget").click()  # postMessage to the parent, origin-checked both ways
    page.locator("#immunobot-frame").wait_for(state="hidden")

    other = context.new_page()
    other.goto(refused)
    other.click("text=Ask our nurse bot")
    other.wait_for_timeout(1500)
    child = next(f for f in other.frames if f != other.main_frame)
    assert child.evaluate("document.getElementById('message')") is None, "frame-ancestors refused the widget"
    context.close()


def test_axe_finds_no_wcag_a_or_aa_violations(browser, live_server):
    assert AXE.exists(), "axe-core missing: run `make test`"
    context = browser.new_context(bypass_csp=True)  # to inject axe; the app itself never needs inline script
    page = context.new_page()
    results = {}
    page.goto(live_server + "/")
    ask(page, "What are the side effects of lenalidomide?")
    ask(page, "I have chest pain")
    pages = [
        ("chat", None),
        ("lookup", live_server + "/lookup?q=imiquimod"),
        ("source", live_server + "/sources/acs-immunomodulators-2025?start=100&end=300"),
    ]
    for name, url in pages:
        if url:
            page.goto(url)
        page.add_script_tag(path=str(AXE))
        results[name] = page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))",
            WCAG,
        )
    shot(page, "lookup-axe")
    context.close()
    assert results == {"chat": [], "lookup": [], "source": []}, json.dumps(results, indent=1)
