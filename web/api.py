"""JSON API: POST /api/chat, POST /api/feedback, GET /api/health, GET /api/openapi.json."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from bot.errors import InputError, MessageTooLong

from .engine import answer_or_urgent, get_bot, get_store, index_ready
from .jsonbody import json_body
from .limits import get_budget, too_many, within_budget

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.post("/chat")
def chat():
    data = json_body()
    unknown = set(data) - {"message", "context"}
    if unknown:
        raise InputError(f"unknown field(s): {', '.join(sorted(unknown))}")
    if "message" not in data:
        raise InputError("'message' is required")
    context = data.get("context")
    if context is not None and not isinstance(context, str):
        context = None  # a malformed context degrades to no context
    bot = get_bot()
    urgent = bot.urgent_only(data["message"])  # before the length check and the rate limit: an emergency
    try:  # is never turned away
        message = bot.clean_message(data["message"])
    except MessageTooLong:
        if urgent is None:
            raise
        return jsonify(urgent.to_dict())
    if not within_budget():
        if urgent is not None:
            return jsonify(urgent.to_dict())
        raise too_many()
    reply = answer_or_urgent(message, context, urgent)
    if reply.type == "no_answer":
        get_store().add_unanswered(message)
    return jsonify(reply.to_dict())


@bp.post("/feedback")
def feedback():
    data = json_body()
    rating = data.get("rating")
    if rating not in ("up", "down"):
        raise InputError("'rating' must be 'up' or 'down'")
    question = data.get("question")
    if question is not None and not isinstance(question, str):
        raise InputError("'question' must be a string")
    if not within_budget():
        raise too_many()
    reply_type = data.get("type") if data.get("type") in ("answer", "no_answer", "urgent") else None
    get_store().add_feedback(rating, reply_type, question[:2000] if question else None)
    return jsonify({"ok": True})


@bp.get("/health")
def health():
    """Liveness and state: the index (503 when it could not be loaded; urgent replies still work), the
    rate-limit storage and the feedback store."""
    budget, store = get_budget(), get_store()
    body = {
        "status": "ok",
        "rate_limits": budget.state(),
        "feedback_store": {"enabled": store.enabled, "keeps_text": store.keep_text},
    }
    if not index_ready():
        body.update(status="degraded", index={"ready": False, "reason": get_bot().index.reason})
        return jsonify(body), 503
    index = get_bot().index
    body["index"] = {
        "ready": True,
        "documents": index.manifest["counts"]["documents"],
        "passages": index.n_passages,
        "built_at": index.manifest["built_at"],
        "corpus_hash": index.manifest["corpus_hash"][:12],
        "skipped_files": index.manifest["counts"]["skipped_files"],
    }
    if not budget.state()["ok"]:
        body["status"] = "degraded"
    return jsonify(body)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(current_app.config["MAX_MESSAGE_CHARS"]))


def json_request(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def openapi_document(max_chars: int) -> dict[str, Any]:
    error = {"$ref": "#/components/schemas/Error"}
    errors = {
        str(code): {"description": text, "content": {"application/json": {"schema": error}}}
        for code, text in (
            (400, "Unusable request (a message over the length limit that tells of an emergency gets 200, urgent)"),
            (413, "Body too large"),
            (415, "Not JSON"),
            (429, "Rate limited; names the emergency number (urgent messages are still answered)"),
            (503, "Index unavailable; urgent messages are still answered"),
        )
    }
    citation = {
        "type": "object",
        "required": ["n", "title", "passage"],
        "properties": {
            "n": {"type": "integer"},
            "doc_id": {"type": "string"},
            "title": {"type": "string"},
            "publisher": {"type": ["string", "null"]},
            "url": {"type": ["string", "null"]},
            "section": {"type": ["string", "null"]},
            "reviewed": {"type": ["string", "null"]},
            "passage": {"type": "string"},
            "start": {"type": "integer"},
            "end": {"type": "integer"},
            "highlights": {"type": "array", "items": {"type": "string"}},
        },
    }
    answer = {
        "type": "object",
        "required": ["type", "answer", "citations", "disclaimer", "context"],
        "properties": {
            "type": {"type": "string", "enum": ["answer", "no_answer", "urgent"]},
            "answer": {"type": "string"},
            "citations": {"type": "array", "items": citation},
            "disclaimer": {"type": "string"},
            "context": {"type": "string", "description": "Send back with the next message."},
            "notice": {"type": ["string", "null"]},
            "actions": {
                "type": "array",
                "items": {"type": "object", "properties": {"label": {"type": "string"}, "tel": {"type": "string"}}},
            },
            "suggestions": {"type": "array", "items": {"type": "string"}},
            "emergency": {
                "type": ["object", "null"],
                "description": "On urgent replies: the emergency card, shown before any cited answer.",
                "properties": {
                    "kind": {"type": "string", "enum": ["emergency", "poison", "crisis", "fever"]},
                    "text": {"type": "string"},
                },
            },
            "segments": {
                "type": "array",
                "items": {"type": "object", "properties": {"text": {"type": "string"}, "n": {"type": "integer"}}},
            },
            "follow_up_topic": {
                "type": ["string", "null"],
                "description": "What a follow-up was taken to be about, from the earlier turns.",
            },
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Immunomodulator Q&A",
            "version": "1.0",
            "description": "Answers only from a curated corpus, each sentence cited. "
            "General information, not medical advice.",
        },
        "paths": {
            "/api/chat": {
                "post": {
                    "summary": "Ask a question",
                    "requestBody": json_request(
                        {
                            "type": "object",
                            "required": ["message"],
                            "additionalProperties": False,
                            "properties": {
                                "message": {
                                    "type": "string",
                                    "minLength": 1,
                                    "maxLength": max_chars,
                                    "description": "Longer messages get 400, unless they tell of an emergency: "
                                    "those get the urgent reply alone.",
                                },
                                "context": {"type": "string", "nullable": True},
                            },
                        }
                    ),
                    "responses": {
                        "200": {
                            "description": "The answer object",
                            "content": {"application/json": {"schema": answer}},
                        },
                        **errors,
                    },
                }
            },
            "/api/feedback": {
                "post": {
                    "summary": "Thumbs up or down on a reply",
                    "requestBody": json_request(
                        {
                            "type": "object",
                            "required": ["rating"],
                            "properties": {
                                "rating": {"type": "string", "enum": ["up", "down"]},
                                "question": {"type": "string", "maxLength": 2000},
                                "type": {"type": "string", "enum": ["answer", "no_answer", "urgent"]},
                            },
                        }
                    ),
                    "responses": {"200": {"description": "Stored (redacted)"}, **errors},
                }
            },
            "/api/health": {"get": {"summary": "Index state", "responses": {"200": {"description": "OK"}}}},
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
                        }
                    },
                }
            }
        },
    }
