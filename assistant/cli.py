"""`assistant` on the command line: ingest, ask, chat, docs, analyze, ui, mcp. No logic of its own."""

from __future__ import annotations

import argparse
import sys

from assistant.names import printable

DETAILS = ("title", "kind", "region", "year")  # what `docs --set` sets: Assistant.describe_document's keywords
EXAMPLE_QUESTION = "Which departments are responsible for Internet + Social Security in Guangdong's plan?"


def _assistant(args):
    from assistant.api import Assistant
    from assistant.settings import load_settings

    overrides = {}
    if getattr(args, "mode", None):
        overrides["answering"] = {"mode": args.mode}
    return Assistant(load_settings(**overrides))


def print_answer(answer, show_sources: bool = True) -> None:
    if answer.original_question:
        print(f"(answering: {answer.question})\n")
    for warning in answer.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(printable(answer.text, keep_lines=True))
    if show_sources and answer.citations:
        print("\nSources:")
        for c in answer.citations:
            where = f" — {c.section}" if c.section else ""
            print(f"[{c.number}] {printable(c.title)} ({printable(c.doc_id)}{where}, chars {c.start}-{c.end})")
            print(f"    \"{printable(c.text)}\"")
    if answer.removed_citations:
        print(f"\n(removed citation markers that pointed at no passage: {answer.removed_citations})")


def cmd_ingest(args) -> int:
    from tqdm import tqdm

    bot = _assistant(args)
    bar = None

    def progress(done: int, total: int, source: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="chunk", desc="embedding", file=sys.stderr)
        bar.set_postfix_str(printable(source)[-40:], refresh=False)
        bar.update(done - bar.n)

    report = bot.ingest(rebuild=args.rebuild, progress=progress)
    if bar is not None:
        bar.close()
    for error in report.errors:
        print(f"skipped {printable(error.source)}: it {printable(error.reason)}", file=sys.stderr)
    if report.set_aside:
        print(f"moved the damaged parts of the old index to {report.set_aside}")
    for repair in report.repaired:
        print(f"repaired: {repair}")
    if report.rebuilt:
        print("index rebuilt (settings or model changed, or --rebuild)")
    print(f"ingest: {report.summary()} ({report.embedded} chunks embedded, {report.seconds:.1f}s)")
    return 0


def cmd_ask(args) -> int:
    bot = _assistant(args)
    answer = bot.ask(" ".join(args.question), doc_id=args.doc, top_k=args.top_k)
    if args.json:
        print(answer.model_dump_json(indent=2))
    else:
        print_answer(answer)
    return 0


def cmd_chat(args) -> int:
    if hasattr(sys.stdin, "reconfigure"):  # bytes that are not UTF-8 become U+FFFD instead of ending the chat
        sys.stdin.reconfigure(errors="replace")
    bot = _assistant(args)
    conversation = bot.conversation()
    last = None
    print("Ask about the documents. /reset starts over, /sources shows the last sources, /quit ends.")
    while True:
        try:
            line = input("\n> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if line in ("/quit", "/exit"):
            return 0
        if line == "/reset":
            conversation.reset()
            print("(new conversation)")
            continue
        if line == "/sources":
            if last is None:
                print("(no answer yet)")
            else:
                print_answer(last.model_copy(update={"text": ""}), show_sources=True)
            continue
        if not line:
            continue
        try:
            last = conversation.ask(line)
        except ValueError as exc:
            print(f"error: {printable(exc, keep_lines=True)}")
            continue
        print_answer(last, show_sources=False)


def cmd_docs(args) -> int:
    bot = _assistant(args)
    if args.set:
        doc_id, *assignments = args.set
        changes = {}
        for assignment in assignments:
            field, equals, value = assignment.partition("=")
            if not equals:
                print(f"error: {printable(assignment)!r} is not field=value (e.g. year=2016)", file=sys.stderr)
                return 2
            if field.strip() not in DETAILS:
                print(f"error: unknown document detail {printable(field)!r} (the details are {', '.join(DETAILS)})",
                      file=sys.stderr)
                return 2
            changes[field.strip()] = value
        if not changes:
            print("error: give the details to set after the id, e.g. year=2016 kind='action plan'", file=sys.stderr)
            return 2
        d = bot.describe_document(doc_id, **changes)
        print(f"{printable(d.doc_id)}: {printable(d.title)} · {printable(d.kind)} · {printable(d.region or '-')} · "
              f"{d.year or '-'}")
        return 0
    rows = bot.documents()
    ids = {r.doc_id: printable(r.doc_id) for r in rows}
    width = max((len(shown) for shown in ids.values()), default=6)
    print(f"{'id':<{width}}  chunks  kind / year  title")
    for r in rows:
        print(f"{ids[r.doc_id]:<{width}}  {r.chunks:>6}  {printable(r.kind)} / {r.year or '-'}  {printable(r.title)}")
    return 0


def cmd_analyze(args) -> int:
    """Responsibility matrices, study tables and comparisons, every cell cited."""
    from assistant.analysis import export

    bot = _assistant(args)
    report = bot.analyze(args.doc, component=args.component)
    sys.stdout.write(export(report, args.format, args.table))
    return 0


def cmd_demo(args) -> int:
    """What `make run` shows until the web UI lands: one answered example question."""
    bot = _assistant(args)
    print(f"> {EXAMPLE_QUESTION}\n")
    print_answer(bot.ask(EXAMPLE_QUESTION))
    return 0


def cmd_ui(args) -> int:
    """Serve the web UI until interrupted."""
    from assistant.api import Assistant
    from assistant.settings import load_settings

    overrides = {key: value for key, value in (("host", args.host), ("port", args.port)) if value is not None}
    settings = load_settings(**({"ui": overrides} if overrides else {}))
    ui = settings.ui
    print(f"Serving the policy assistant on http://{ui.host}:{ui.port}, its OpenAI-compatible API on "
          f"http://{ui.host}:{ui.port}/v1 (Ctrl+C stops it)", flush=True)
    from assistant.server import serve

    serve(Assistant(settings))
    return 0


def cmd_mcp(args) -> int:
    """Serve the MCP tools over stdin/stdout until the client disconnects."""
    from assistant.mcp_server import run

    run(_assistant(args))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index the documents in corpus/ (incremental)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and embed everything again")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="answer one question, with its sources")
    p.add_argument("question", nargs="+")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.add_argument("--doc", help="only search this document id")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--mode", choices=["extractive", "llm"])
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="a conversation on the terminal")
    p.add_argument("--mode", choices=["extractive", "llm"])
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser(
        "docs", help="list the indexed documents, or set one's details",
        description="List the indexed documents. With --set, set a document's title, kind, region or year "
        "(kept in corpus/catalog.yaml, or beside an upload); an empty value clears one.",
    )
    p.add_argument(
        "--set", nargs="+", metavar=("ID", "FIELD=VALUE"),
        help="e.g. --set j-town-health-poverty-alleviation year=2016 'kind=research abstract'",
    )
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser(
        "analyze",
        help="who is responsible for each task; each study's findings, causes and recommendations by framework",
        description="Analysis views of the indexed documents, every cell cited to its passage: a responsibility "
        "matrix per document that assigns tasks (lead department marked), a table per study in its own "
        "framework (CFIR, WHO building blocks, Hood, barriers/facilitators, Smith) with Smith's components "
        "derived, and the studies compared on each component.",
    )
    p.add_argument("--doc", help="one document id (default: all)")
    p.add_argument(
        "--component", help="compare the studies on one component: policy, organisation, target-group, environment"
    )
    p.add_argument("--format", choices=["md", "csv", "json"], default="md", help="output format (default md)")
    p.add_argument(
        "--table", choices=["responsibility", "studies", "comparison"],
        help="the table to print as CSV when the analysis holds several (studies: a row per item)",
    )
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("ui", help="serve the web UI (settings.ui.host:port, 127.0.0.1:7860 by default)")
    p.add_argument("--host", help="address to listen on (default from settings: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default from settings: 7860)")
    p.set_defaults(func=cmd_ui)

    p = sub.add_parser("mcp", help="serve the assistant as MCP tools over stdio (for MCP clients)")
    p.set_defaults(func=cmd_mcp)

    p = sub.add_parser("demo", help="answer an example question")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    from assistant.errors import AssistantError
    from assistant.settings import SettingsError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"error: {printable(exc, keep_lines=True)}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {printable(exc, keep_lines=True)}", file=sys.stderr)
        return 2
    except AssistantError as exc:  # no index yet, a damaged one, the vector server down, the model failing
        print(f"error: {printable(exc, keep_lines=True)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
