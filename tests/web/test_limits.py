"""Rate limits that protect the service and never the wrong way: one budget per real client across the
chat endpoints, the safety check before the limit, and a 429 that always names the emergency number."""

from __future__ import annotations

import pytest

from tests.conftest import make_app

URGENT = "I have chest pain and cannot breathe"


def limited_app(index_dir, tmp_path, **overrides):
    return make_app(index_dir, tmp_path, RATE_LIMIT="3 per minute", **overrides)


def test_one_budget_is_shared_by_chat_feedback_the_form_and_lookup(index_dir, tmp_path):
    client = limited_app(index_dir, tmp_path).test_client()
    assert client.post("/api/chat", json={"message": "what is BCG"}).status_code == 200
    assert client.post("/api/feedback", json={"rating": "up"}).status_code == 200
    assert client.post("/", data={"message": "what is BCG"}).status_code == 200
    assert client.get("/lookup?q=BCG").status_code == 429
    assert client.post("/api/chat", json={"message": "what is BCG"}).status_code == 429


def test_an_urgent_message_over_the_limit_still_gets_the_urgent_reply(index_dir, tmp_path):
    client = limited_app(index_dir, tmp_path).test_client()
    for _ in range(3):
        client.post("/api/chat", json={"message": "what is BCG"})
    assert client.post("/api/chat", json={"message": "what is BCG"}).status_code == 429
    urgent = client.post("/api/chat", json={"message": URGENT})
    assert urgent.status_code == 200
    reply = urgent.get_json()
    assert reply["type"] == "urgent" and "911" in reply["answer"]
    assert {"label": "Call 911", "tel": "911"} in reply["actions"]
    page = client.post("/", data={"message": URGENT})
    assert page.status_code == 200 and 'href="tel:911"' in page.get_data(as_text=True)
    lookup = client.get("/lookup?q=my+child+swallowed+my+pills").get_data(as_text=True)
    assert "Poison Control" in lookup


def test_every_429_names_the_emergency_number(index_dir, tmp_path):
    client = limited_app(index_dir, tmp_path, EMERGENCY_NUMBER="112").test_client()
    for _ in range(3):
        client.post("/api/chat", json={"message": "what is BCG"})
    api = client.post("/api/chat", json={"message": "what is BCG"})
    assert api.status_code == 429 and "call 112" in api.get_json()["error"]["message"]
    assert int(api.headers["Retry-After"]) >= 1
    feedback = client.post("/api/feedback", json={"rating": "up"})
    assert feedback.status_code == 429 and "call 112" in feedback.get_json()["error"]["message"]
    form = client.post("/", data={"message": "what is BCG"})
    assert form.status_code == 429 and "call 112" in form.get_data(as_text=True)
    lookup = client.get("/lookup?q=BCG")
    assert lookup.status_code == 429 and "call 112" in lookup.get_data(as_text=True)


@pytest.mark.parametrize("hops", [1, 2])
def test_clients_behind_trusted_proxies_are_told_apart_and_spoofed_hops_ignored(index_dir, tmp_path, hops):
    client = limited_app(index_dir, tmp_path, PROXY_COUNT=hops).test_client()
    proxies = ", ".join(["10.0.0.2"] * (hops - 1))

    def ask(forwarded_for: str) -> int:
        chain = ", ".join(x for x in (forwarded_for, proxies) if x)
        return client.post("/api/chat", json={"message": "what is BCG"}, headers={"X-Forwarded-For": chain}).status_code

    # one real client (203.0.113.7, appended by our outermost proxy) spoofing a new address each time
    assert [ask(f"198.51.100.{i}, 203.0.113.7") for i in range(4)] == [200, 200, 200, 429]
    # another client behind the same proxy has its own budget
    assert ask("203.0.113.8") == 200


def test_without_proxy_count_forwarding_headers_are_not_believed(index_dir, tmp_path):
    client = limited_app(index_dir, tmp_path).test_client()
    codes = [
        client.post(
            "/api/chat", json={"message": "what is BCG"}, headers={"X-Forwarded-For": f"198.51.100.{i}"}
        ).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_health_reports_the_limit_storage(client):
    state = client.get("/api/health").get_json()["rate_limits"]
    assert state == {"storage": "memory", "shared": False, "ok": True}
