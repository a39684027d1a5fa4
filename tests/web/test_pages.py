from __future__ import annotations

import re

from tests.conftest import make_app


def test_chat_page_has_log_disclaimer_starters_and_no_inline_script(client):
    html = client.get("/").get_data(as_text=True)
    assert 'role="log"' in html and "not medical advice" in html and 'class="starter"' in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, "no inline script"
    assert "style=" not in html


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_widget_may_be_framed_only_by_allowed_origins(client):
    csp = client.get("/widget").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://allowed.example" in csp
    assert "X-Frame-Options" not in client.get("/widget").headers
    js = client.get("/embed.js")
    assert js.status_code == 200 and "postMessage" in js.get_data(as_text=True)


def test_no_javascript_form_follows_up_through_a_sealed_history(client):
    first = client.post("/", data={"message": "What is imiquimod?"}).get_data(as_text=True)
    assert "You asked: </span>What is imiquimod?" in first and "[1]" in first
    history = re.search(r'name="history" value="([^"]+)"', first).group(1)
    second = client.post("/", data={"message": "What about its side effects?", "history": history}).get_data(
        as_text=True
    )
    assert "What about its side effects?" in second and "About: imiquimod" in second
    assert second.count('class="msg bot') == 2  # the earlier reply is shown again, as it was
    # ... under the index words of its question: the question's own text is not carried
    assert "(about: imiquimod)" in second and "What is imiquimod?" not in second


def test_no_javascript_history_carries_no_readable_words(client):
    import base64

    page = client.post("/", data={"message": "My name is Maria, what is imiquimod?"}).get_data(as_text=True)
    history = re.search(r'name="history" value="([^"]+)"', page).group(1)
    decoded = base64.urlsafe_b64decode(history + "=" * (-len(history) % 4))
    for word in (b"Maria", b"maria", b"imiquimod", b"what"):
        assert word not in decoded


def test_markup_typed_as_a_question_stays_text(client):
    html = client.post("/", data={"message": "<img src=x onerror=alert(1)> what is BCG"}).get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_empty_form_message_is_a_clear_error(client):
    response = client.post("/", data={"message": "  "})
    assert response.status_code == 400 and "empty" in response.get_data(as_text=True)


def test_an_emergency_in_a_form_message_over_the_length_limit_is_answered(client, app):
    """Without the page's script the textarea's limit may not hold; a calm message over it is a clear
    error, and one that tells of an emergency gets the emergency reply."""
    story = "my mum is on pomalyst and I keep notes on everything for her doctor. " * 20
    assert len(story) > app.config["MAX_MESSAGE_CHARS"]
    calm = client.post("/", data={"message": story})
    assert calm.status_code == 400 and "limit" in calm.get_data(as_text=True)
    html = client.post("/", data={"message": story + " now she has collapsed and is not breathing"}).get_data(
        as_text=True
    )
    assert 'class="msg bot urgent"' in html and 'href="tel:911"' in html


def test_urgent_reply_page_puts_tel_links_first(client):
    html = client.post("/", data={"message": "I have chest pain and can't breathe"}).get_data(as_text=True)
    reply = html[html.index('class="msg bot urgent"') :]
    assert reply.index('href="tel:911"') < reply.index("This could be a medical emergency")


def test_lookup_shows_ten_passages_with_sources_and_filter(client, app):
    html = client.get("/lookup?q=immunomodulators").get_data(as_text=True)
    assert html.count('class="result"') == app.config["LOOKUP_K"]
    assert "Copy with citation" in html and "reviewed 2025-07-07" in html
    filtered = client.get("/lookup?q=immunomodulators&source=cleveland-clinic-immunomodulators").get_data(as_text=True)
    assert (
        filtered.count('class="result"') >= 1
        and "American Cancer Society ·" not in filtered.split('<ol class="results">')[1]
    )
    urgent = client.get("/lookup?q=my+child+swallowed+my+pills").get_data(as_text=True)
    assert "Poison Control" in urgent


def test_source_reading_view_marks_the_cited_passage(client):
    reply = client.post("/api/chat", json={"message": "who should not use imiquimod"}).get_json()
    c = reply["citations"][0]
    html = client.get(f"/sources/{c['doc_id']}?start={c['start']}&end={c['end']}").get_data(as_text=True)
    assert 'id="cited"' in html and '<mark class="cited">' in html
    assert client.get("/sources/nope").status_code == 404


def test_source_reading_view_shows_section_headings_as_headings(client, loaded_index):
    from markupsafe import escape

    pid = next(p for p in range(loaded_index.n_passages) if loaded_index.passage(p).section)
    passage = loaded_index.passage(pid)
    html = client.get(f"/sources/{passage.doc_id}").get_data(as_text=True)
    assert f'<h2 class="para">{escape(passage.section)}</h2>' in html
    # body paragraphs stay paragraphs
    assert html.count("<h2") < html.count('<div class="para')


def test_production_refuses_the_default_secret_key(index_dir):
    import pytest

    from bot.errors import ConfigError
    from web import create_app

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"INDEX_DIR": str(index_dir), "PRODUCTION": True})


def test_rate_limit_applies_per_client(index_dir, tmp_path):

    app = make_app(index_dir, tmp_path, RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [client.post("/api/chat", json={"message": "what is BCG"}).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert "Too many" in client.post("/api/chat", json={"message": "x"}).get_json()["error"]["message"]


def test_widget_colour_is_validated_on_the_server(client):
    good = client.get("/widget?color=%236b2c91").get_data(as_text=True)
    bad = client.get('/widget?color=red"%20onload="x').get_data(as_text=True)
    assert 'data-theme-color="#6b2c91"' in good and "data-theme-color" not in bad


def test_standing_banner_uses_the_emergency_number_setting(index_dir, tmp_path):
    from bot import DISCLAIMER

    app = make_app(index_dir, tmp_path, EMERGENCY_NUMBER="112")
    html = app.test_client().get("/").get_data(as_text=True)
    assert DISCLAIMER in html and "call 112." in html and "911" not in html
