"""bench/RESULTS.md from the results-<db>.json files. Text written below the notes marker
in RESULTS.md is kept when the report is generated again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.config import DATA, ROOT, Config

MARKER = "<!-- Notes below this line are kept when `make bench` rewrites the report. -->"
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _load(cfg: Config) -> dict[str, dict[str, Any]]:
    out = {}
    for db in ("sqlite", "postgresql"):
        path = cfg.results_path(db)
        if path.exists():
            data = json.loads(path.read_text())
            if "lines" in data:  # results of an older bench (in-process timings) are skipped
                out[db] = data
    return out


def _fmt(value: float | None) -> str:
    return "—" if value is None or value != value else f"{value:.1f}"


def _header(results: dict[str, dict[str, Any]], dbs: list[str]) -> list[str]:
    first = results[dbs[0]]
    m = first["machine"]
    codes = {results[db]["machine"].get("code") for db in dbs}
    return [
        "Produced by `make bench` (`python -m bench`); raw figures, every sample included, in "
        "`bench/data/results-<database>.json`.",
        "",
        f"- Machine: {m.get('cpu', '?')}, {m.get('ram', '?')} RAM",
        f"- Python {m['python']}, SQLite {m['sqlite']}"
        + (
            f", PostgreSQL {results['postgresql']['machine']['postgresql']}"
            if "postgresql" in results
            else ""
        ),
        "- Code measured: "
        + (
            first["machine"].get("code", "?")
            if len(codes) == 1
            else "; ".join(f"{NAMES[db]} {results[db]['machine'].get('code', '?')}" for db in dbs)
        ),
        "- Run: " + "; ".join(f"{NAMES[db]} {results[db]['date']}" for db in dbs),
        f"- Size asked: {first['sizes']['customers']:,} customers, "
        f"{first['sizes']['interactions']:,} interactions; reads “all”: an administrator; "
        "reads “team”: a sales rep whose team holds 5 of the 100 customer owners (sees about "
        "5% of customers)",
        "- Server: `" + first.get("server", "vinculo serve") + "` — `vinculo serve` with its "
        "defaults (gunicorn gthread workers and threads as `serve` sets them, the job consumer "
        "beside it), started by the benchmark and reached over HTTP on 127.0.0.1 by one "
        "keep-alive connection per signed-in user (session cookie for pages, bearer token "
        "for the API).",
        "- How a line is timed: each input is requested twice in a row. The first answer is "
        "the input's **cold** sample (the server has not answered that input before; its "
        "database pages may or may not be cached), the second its **warm** sample. A time "
        "runs from sending the request to the last byte of the answer. p50/p95 are "
        "nearest-rank over one sample per input; max is the slowest single answer. A target "
        "is met when the cold p95 (p50 where the target says so) is within it. Before the "
        "first line, 160 requests to customers not measured warm up the workers.",
        "- Machine load (1-minute load average, before → after the timed lines; the 2 cores "
        "were shared with other work): "
        + "; ".join(
            f"{NAMES[db]} {results[db]['load_average']['before']:.1f} → "
            f"{results[db]['load_average']['after']:.1f}"
            for db in dbs
        ),
        "",
    ]


def _lines_table(data: dict[str, Any]) -> list[str]:
    out = [
        "| measurement | reads | inputs | target | cold p50 | cold p95 | cold max "
        "| warm p50 | warm p95 | warm max | met |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for item in data["lines"]:
        target = f"{item['statistic']} ≤ {item['target_ms']:.0f}"
        met = "yes" if item["met"] else "**no**"
        out.append(
            f"| {item['name']} | {item['scope']} | {item['inputs']}; "
            f"{item['cold_n']} + {item['warm_n']} samples | {target} | "
            f"{_fmt(item['cold_p50'])} | {_fmt(item['cold_p95'])} | {_fmt(item['cold_max'])} | "
            f"{_fmt(item['warm_p50'])} | {_fmt(item['warm_p95'])} | {_fmt(item['warm_max'])} | "
            f"{met} |"
        )
    return out


def _notes(db: str, data: dict[str, Any]) -> list[str]:
    out = []
    for item in data["lines"]:
        if item.get("tried"):
            note = item.get("note") or "found {found} of {tried}"
            out.append(
                f"- {NAMES[db]}, {item['name']} [{item['scope']}]: "
                + note.format(found=item["found"], tried=item["tried"])
            )
        elif item.get("note"):
            out.append(f"- {NAMES[db]}, {item['name']} [{item['scope']}]: {item['note']}")
        if item.get("errors"):
            shown = "; ".join(item["errors"][:3])
            out.append(
                f"- {NAMES[db]}, {item['name']} [{item['scope']}]: **{len(item['errors'])} "
                f"errors**, e.g. {shown}"
            )
    return out


def _load_table(results: dict[str, dict[str, Any]], dbs: list[str]) -> list[str]:
    from bench.load_test import TARGET_P95_MS, TARGET_RPS

    out = [
        f"Target: at least {TARGET_RPS:.0f} requests/s with p95 ≤ {TARGET_P95_MS:.0f} ms and "
        "no error. Each client is a thread with one keep-alive connection that sends its next "
        "request as soon as the last one is answered (no pause), choosing at random among "
        "the list (4 sort orders × 4 filters), a customer's 360 page, the top-bar search (a "
        "full name, a name fragment or an email of a random customer) and the API customer "
        "detail; half the clients read all customers, half a team's. The first seconds "
        "(warm-up) are not counted. CPU: seconds used by the server's processes (and, on "
        "PostgreSQL, not those of the database server) and by the load generator.",
        "",
        "| database | clients | measured | requests | requests/s | p50 | p95 | p99 | max "
        "| errors | server CPU / request | load generator CPU | load average | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|:---:|",
    ]
    kinds: list[str] = []
    for db in dbs:
        lt = results[db].get("load_test")
        if not lt:
            continue
        per = lt["server_cpu_s"] / lt["requests"] * 1000 if lt["requests"] else float("nan")
        out.append(
            f"| {NAMES[db]} | {lt['clients']} | {lt['duration_s']:.0f} s | {lt['requests']:,} | "
            f"{lt['requests_per_s']:.1f} | {_fmt(lt['p50'])} | {_fmt(lt['p95'])} | "
            f"{_fmt(lt['p99'])} | {_fmt(lt['max'])} | {lt['errors']} | {per:.1f} ms | "
            f"{lt['client_cpu_s']:.1f} s | {lt['load_before']:.1f} → {lt['load_after']:.1f} | "
            f"{'yes' if lt['met'] else '**no**'} |"
        )
        kinds += [k for k in lt["by_kind"] if k not in kinds]
    out += ["", "By kind of request (milliseconds):", ""]
    out += ["| database | request | n | p50 | p95 | max |", "|---|---|---:|---:|---:|---:|"]
    for db in dbs:
        lt = results[db].get("load_test")
        for kind in kinds:
            k = (lt or {}).get("by_kind", {}).get(kind)
            if k:
                out.append(
                    f"| {NAMES[db]} | {kind} | {k['n']} | {_fmt(k['p50'])} | "
                    f"{_fmt(k['p95'])} | {_fmt(k['max'])} |"
                )
    for db in dbs:
        lt = results[db].get("load_test") or {}
        if lt.get("error_examples"):
            out.append(f"- {NAMES[db]} errors, e.g.: " + "; ".join(lt["error_examples"][:3]))
    return out


def write_report(cfg: Config, path: Path | None = None) -> Path:
    # A trial run with its own BENCH_DATA writes its report there, not over the real one.
    path = path or (ROOT / "RESULTS.md" if DATA == ROOT / "data" else DATA / "RESULTS.md")
    kept = ""
    if path.exists() and MARKER in path.read_text():
        kept = path.read_text().split(MARKER, 1)[1].strip()
    results = _load(cfg)
    dbs = [db for db in ("sqlite", "postgresql") if db in results]
    lines = ["# Vínculo benchmark", ""]
    if not dbs:
        lines += ["No results yet: run `make bench`.", ""]
    else:
        lines += _header(results, dbs)
        first = results[dbs[0]]
        lines += ["## Rows", "", "| table | " + " | ".join(NAMES[db] for db in dbs) + " |"]
        lines += ["|---|" + "---:|" * len(dbs)]
        for table in first["rows"]:
            counts = " | ".join(f"{results[db]['rows'].get(table, 0):,}" for db in dbs)
            lines.append(f"| {table} | {counts} |")
        sizes = " | ".join(results[db]["machine"].get("database size", "?") for db in dbs)
        lines += [f"| database size | {sizes} |", "", "## Load times (seconds)", ""]
        lines += ["| phase | " + " | ".join(NAMES[db] for db in dbs) + " |"]
        lines += ["|---|" + "---:|" * len(dbs)]
        phases: list[str] = []
        for db in dbs:
            phases += [p for p in results[db]["load_seconds"] if p not in phases]
        phases.sort(key=lambda p: p == "total")  # the total last
        for phase in phases:
            values = " | ".join(_fmt(results[db]["load_seconds"].get(phase)) for db in dbs)
            lines.append(f"| {phase} | {values} |")
        for db in dbs:
            lines += ["", f"## {NAMES[db]}: timings over HTTP (milliseconds)", ""]
            lines += _lines_table(results[db])
        lines += ["", "## Mixed read load", ""]
        lines += _load_table(results, dbs)
        lines += ["", "## Checks", ""]
        for db in dbs:
            fid = results[db]["fidelity"]
            state = "all equal" if not fid["problems"] else "; ".join(fid["problems"])
            lines.append(
                f"- {NAMES[db]}: {fid['checked']} random customers compared with what the "
                f"services write (normalised values, sort name, search row): {state}"
            )
        for db in dbs:
            lines += _notes(db, results[db])
    lines += ["", MARKER, "", kept, ""] if kept else ["", MARKER, ""]
    path.write_text("\n".join(lines).rstrip() + "\n")
    return path


if __name__ == "__main__":
    print(write_report(Config.from_env()))
