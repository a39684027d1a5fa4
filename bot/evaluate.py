"""Score the bot on a questions file (see shared/eval/README.md for the form)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .core import Bot


def _normal(text: str) -> str:
    """As the eval README says: case, curly apostrophes and runs of whitespace do not matter."""
    return " ".join(text.lower().replace("\u2019", "'").replace("\u2018", "'").split())


def _contains(text: str, phrases: list[str]) -> bool:
    body = _normal(text)
    return any(_normal(p) in body for p in phrases)


def _score_answer(reply: dict, expect: list[str]) -> tuple[bool, bool, bool]:
    answered = reply["type"] == "answer"
    in_text = answered and _contains(reply["answer"], expect)
    in_top3 = answered and any(_contains(c["passage"], expect) for c in reply["citations"][:3])
    return answered, in_text, in_top3


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """One JSON object per non-blank line: the form of every labelled file."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(bot: Bot, path: Path) -> dict[str, Any]:
    cases = read_jsonl(path)
    tally: dict[str, list[int]] = {
        k: [0, 0]
        for k in (
            "answer_text",
            "answer_top3",
            "wrongly_refused",
            "in_scope_urgent",
            "no_answer",
            "urgent",
            "false_alarm",
            "urgent_number_shown",
            "follow_up",
        )
    }
    misses: list[dict[str, Any]] = []

    def count(metric: str, ok: bool) -> None:
        tally[metric][0] += int(ok)
        tally[metric][1] += 1

    def miss(kind: str, question: str, reply: dict[str, Any], **extra: Any) -> None:
        misses.append(
            {"kind": kind, "question": question, "type": reply["type"], "answer": reply["answer"][:300], **extra}
        )

    for case in cases:
        if "label" in case:  # the labelled urgency form: {"text", "label": "urgent"|"not_urgent", "kind"}
            case = {"kind": case["label"], "question": case["text"], "number_kind": case.get("kind")}
        kind = case["kind"]
        if kind == "answer":
            reply = bot.ask(case["question"]).to_dict()
            answered, in_text, in_top3 = _score_answer(reply, case["expect_any"])
            count("answer_text", in_text)
            count("answer_top3", in_top3)
            count("wrongly_refused", reply["type"] == "no_answer")
            count("in_scope_urgent", reply["type"] == "urgent")
            if not in_text:
                miss(kind, case["question"], reply, expect_any=case["expect_any"], top3=in_top3)
        elif kind == "no_answer":
            reply = bot.ask(case["question"]).to_dict()
            count("no_answer", reply["type"] == "no_answer")
            if reply["type"] != "no_answer":
                miss(kind, case["question"], reply)
        elif kind == "urgent":
            reply = bot.ask(case["question"]).to_dict()
            expect = case.get("expect_any") or ["911", "emergency", "988", "Poison Control", "24-hour"]
            ok = reply["type"] == "urgent" and _contains(reply["answer"], expect)
            count("urgent", ok)
            # the floor: the card, or at least a notice with a number beside the answer
            count("urgent_number_shown", ok or bool(reply["notice"] and any(ch.isdigit() for ch in reply["notice"])))
            if not ok:
                miss(kind, case["question"], reply)
        elif kind == "not_urgent":
            reply = bot.ask(case["question"]).to_dict()
            alarmed = reply["type"] == "urgent"
            count("false_alarm", alarmed)
            if alarmed:
                miss(kind, case["question"], reply)
        elif kind == "dialogue":
            context = None
            for turn in case["turns"]:
                reply = bot.ask(turn["question"], context).to_dict()
                context = reply["context"]
                _, in_text, _ = _score_answer(reply, turn["expect_any"])
                count("follow_up", in_text)
                if not in_text:
                    miss(kind, turn["question"], reply, expect_any=turn["expect_any"])
    rates = {k: (round(v[0] / v[1], 4) if v[1] else None) for k, v in tally.items()}
    return {"file": str(path), "rates": rates, "counts": {k: v for k, v in tally.items()}, "misses": misses}


BARS = {
    "answer_text": (">=", 0.90),
    "answer_top3": (">=", 0.95),
    "no_answer": (">=", 0.90),
    "wrongly_refused": ("<=", 0.05),
    "urgent": (">=", 1.0),
    "in_scope_urgent": ("<=", 0.0),
    "false_alarm": ("<=", 0.02),
    "follow_up": (">=", 0.90),
}


def failed_bars(result: dict[str, Any]) -> list[str]:
    failed = []
    for metric, (op, bar) in BARS.items():
        value = result["rates"].get(metric)
        if value is None:
            continue
        if (op == ">=" and value < bar) or (op == "<=" and value > bar):
            failed.append(f"{metric}={value} (needs {op} {bar})")
    return failed
