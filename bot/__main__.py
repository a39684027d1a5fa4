"""Command line: ``python -m bot index|search|ask|eval|calibrate|report|settings``."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import index as index_module
from .errors import BotError
from .settings import PROJECT_ROOT, SETTINGS, load_settings

TEST_DATA = PROJECT_ROOT / "tests" / "data"
# What the answer path is fitted on. patients-check.jsonl is never among them: it is for reporting.
DEFAULT_FIT_FILES = (
    TEST_DATA / "eval" / "questions.jsonl",
    TEST_DATA / "eval" / "patients-fit.jsonl",
    TEST_DATA / "paraphrases.jsonl",
    TEST_DATA / "extra-questions.jsonl",
    TEST_DATA / "more-questions.jsonl",
)
# urgency-check.jsonl is for reporting. Each file is its own writers' set: the card's false-alarm budget
# holds on each, so easier calm messages of one set do not pay for the hard ones of another.
DEFAULT_URGENCY_FILES = (
    TEST_DATA / "urgency-fit.jsonl",
    TEST_DATA / "urgency-fit-more.jsonl",
    TEST_DATA / "urgency-fit-extra.jsonl",
)


def _bot(args: argparse.Namespace) -> Any:
    from .core import Bot

    overrides = {k: v for k, v in (("CORPUS_DIR", args.corpus), ("INDEX_DIR", args.index_dir)) if v}
    return Bot(overrides, log=lambda line: print(line, file=sys.stderr))


def cmd_index(args: argparse.Namespace) -> int:
    settings = load_settings({k: v for k, v in (("CORPUS_DIR", args.corpus), ("INDEX_DIR", args.index_dir)) if v})
    index_module.build(Path(settings["CORPUS_DIR"]), Path(settings["INDEX_DIR"]), log=print)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    results = _bot(args).search(args.question, args.k)
    if args.json:
        keys = ("passage", "title", "publisher", "section", "score", "doc_id")
        print(json.dumps([{k: r[k] for k in keys} for r in results], indent=2, ensure_ascii=False))
        return 0
    if not results:
        print("No passage matches.")
    for rank, r in enumerate(results, 1):
        where = " · ".join(x for x in (r["publisher"], r["title"], r["section"], r["reviewed"]) if x)
        print(f"{rank}. [{r['score']:.3f}] {where} ({r['doc_id']})")
        print(textwrap.indent(r["passage"], "   "))
        print()
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    reply = _bot(args).ask(args.question, args.context)
    if args.json:
        print(json.dumps(reply.to_dict(), indent=2, ensure_ascii=False))
        return 0
    if reply.notice:  # emergency instructions come first, as on the chat page
        print(f"Note: {reply.notice}\n")
    print(reply.answer)
    for c in reply.citations:
        where = ", ".join(
            x for x in (c.publisher, c.title, c.section, f"reviewed {c.reviewed}" if c.reviewed else None) if x
        )
        print(f"[{c.n}] {where}")
    print(f"\n{reply.disclaimer}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import evaluate, failed_bars

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"no questions file at {path}")
    try:
        result = evaluate(_bot(args), path)
    except (ValueError, KeyError, TypeError) as exc:  # a line that is not JSON or lacks a field
        raise UsageError(f"{path} is not a questions file ({type(exc).__name__}: {exc})") from exc
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        for metric, value in result["rates"].items():
            ok, total = result["counts"][metric]
            print(f"{metric:18} {value}  ({ok}/{total})")
        for miss in result["misses"]:
            print(f"MISS [{miss['kind']}] {miss['question']!r} -> {miss['type']}: {miss['answer'][:160]!r}")
        for failure in failed_bars(result):
            print(f"BELOW BAR: {failure}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from . import calibration
    from .calibrate import fit
    from .core import Bot

    files = [Path(f) for f in args.files] or list(DEFAULT_FIT_FILES)
    for path in [*files, *(Path(f) for f in args.urgency or ())]:
        if not path.is_file():
            raise BotError(f"no such file: {path}")
    overrides = {k: v for k, v in (("CORPUS_DIR", args.corpus), ("INDEX_DIR", args.index_dir)) if v}
    bot = Bot(overrides, params=calibration.Params({}), log=lambda line: print(line, file=sys.stderr))
    urgency = [Path(f) for f in args.urgency] if args.urgency else list(DEFAULT_URGENCY_FILES)
    params = fit(bot, files, urgency)
    out = Path(args.out) if args.out else calibration.CALIBRATION_FILE
    calibration.save(params, out)
    print(f"wrote {out}")
    print(json.dumps(params.figures, indent=2))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .privacy import FeedbackStore

    settings = load_settings()
    db = Path(args.db or settings["FEEDBACK_DB"])
    if not db.is_file():
        raise UsageError(f"no feedback database at {db}")
    store = FeedbackStore(db, settings["RETENTION_DAYS"])  # opening it deletes expired rows
    if not store.enabled:
        raise UsageError(f"cannot open the feedback database at {db}")
    counts = store.feedback_counts()
    print(f"Feedback: {counts.get('up', 0)} helpful, {counts.get('down', 0)} not helpful")
    print("Most frequent unanswered questions (redacted):")
    rows = store.top_unanswered(args.limit)
    if not rows:
        print("  none yet")
    for question, count in rows:
        print(f"  {count:4}  {question}")
    return 0


def _table_cell(text: str) -> str:
    return text.replace("|", "\\|")  # a bar inside a Markdown table cell, even in code, must be escaped


def cmd_settings(args: argparse.Namespace) -> int:
    if args.markdown:
        print("| setting | default | what it does |\n|---|---|---|")
        for setting in SETTINGS:
            default = (
                setting.default
                if setting.name not in ("CORPUS_DIR", "INDEX_DIR", "FEEDBACK_DB")
                else str(setting.default).replace(str(PROJECT_ROOT) + "/", "")
            )
            if isinstance(default, list) and default:
                default = " | ".join(default)  # as the environment variable is written
            print(f"| `{setting.name}` | `{_table_cell(str(default))}` | {_table_cell(setting.help)} |")
        return 0
    for setting in SETTINGS:
        print(f"{setting.name} (default {setting.default!r}): {setting.help}")
    return 0


class UsageError(BotError):
    """A bad argument or a missing file: one line on stderr, exit status 2."""

    status = 400


class Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one clear line (not the usage block) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = Parser(prog="python -m bot", description=__doc__)
    parser.add_argument("--corpus", help="corpus folder (default: CORPUS_DIR)")
    parser.add_argument("--index-dir", help="index folder (default: INDEX_DIR)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    sub.add_parser("index", help="build the index from the corpus").set_defaults(func=cmd_index)
    p = sub.add_parser("search", help="show the best passages for a question")
    p.add_argument("question")
    p.add_argument("-k", type=positive, default=5)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)
    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question")
    p.add_argument("--context", help="the context value from the previous reply")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ask)
    p = sub.add_parser("eval", help="score a questions file")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)
    p = sub.add_parser("calibrate", help="fit the answer path's parameters on labelled questions")
    p.add_argument("files", nargs="*", help="eval-form JSONL files (default: the fit files in tests/data)")
    p.add_argument("--out", help="where to write (default: bot/data/calibration.json)")
    p.add_argument("--urgency", action="append", help="labelled urgency JSONL (default: tests/data/urgency-fit*.jsonl)")
    p.set_defaults(func=cmd_calibrate)
    p = sub.add_parser("report", help="frequent unanswered questions and feedback counts, for content staff")
    p.add_argument("--db", help="feedback database (default: FEEDBACK_DB)")
    p.add_argument("--limit", type=positive, default=20)
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("settings", help="list every setting")
    p.add_argument("--markdown", action="store_true", help="as the README's table")
    p.set_defaults(func=cmd_settings)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except BotError as exc:  # one line; the details (skipped files) were printed as warnings before
        print(f"error: {exc.message.splitlines()[0]}", file=sys.stderr)
        return 2
    except OSError as exc:  # a folder or file that cannot be read or written
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
