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
            out[db] = json.loads(path.read_text())
    return out


def _fmt(value: float | None) -> str:
    return "—" if value is None or value != value else f"{value:.1f}"


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
        first = results[dbs[0]]
        m = first["machine"]
        lines += [
            "Produced by `make bench` (`python -m bench`); raw figures in "
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
                results[dbs[0]]["machine"].get("code", "?")
                if len({results[db]["machine"].get("code") for db in dbs}) == 1
                else "; ".join(
                    f"{NAMES[db]} {results[db]['machine'].get('code', '?')}" for db in dbs
                )
            ),
            "- Run: " + "; ".join(f"{NAMES[db]} {results[db]['date']}" for db in dbs),
            f"- Size asked: {first['sizes']['customers']:,} customers, "
            f"{first['sizes']['interactions']:,} interactions; "
            "team scope: a sales rep whose team holds 5 of the 100 customer owners "
            "(sees about 5% of customers)",
            "- Machine load (1-minute load average, before → after measuring; other work "
            "shared the 2 cores): "
            + "; ".join(
                f"{NAMES[db]} {results[db]['load_average']['before']:.1f} → "
                f"{results[db]['load_average']['after']:.1f}"
                for db in dbs
                if "load_average" in results[db]
            ),
            "- A timing is one call in-process: the search function, or the page through "
            "django.test.Client (URL routing, middleware, session, queries, template). Each "
            "input is timed 3 times and its median kept (a burst of other work on the shared "
            "machine during one run is not the code's time); p50/p95 are nearest-rank over "
            f"those medians, one per input ({first.get('inputs_per_measurement', 40)} inputs "
            "per line, from customers drawn at random). The JSON keeps every run.",
            "",
            "## Rows",
            "",
            "| table | " + " | ".join(NAMES[db] for db in dbs) + " |",
            "|---|" + "---:|" * len(dbs),
        ]
        for table in first["rows"]:
            lines.append(
                f"| {table} | "
                + " | ".join(f"{results[db]['rows'].get(table, 0):,}" for db in dbs)
                + " |"
            )
        lines.append(
            "| database size | "
            + " | ".join(results[db]["machine"].get("database size", "?") for db in dbs)
            + " |"
        )
        lines += ["", "## Load times (seconds)", ""]
        lines += ["| phase | " + " | ".join(NAMES[db] for db in dbs) + " |"]
        lines += ["|---|" + "---:|" * len(dbs)]
        phases: list[str] = []
        for db in dbs:
            phases += [p for p in results[db]["load_seconds"] if p not in phases]
        phases.sort(key=lambda p: p == "total")  # the total last
        for phase in phases:
            lines.append(
                f"| {phase} | "
                + " | ".join(_fmt(results[db]["load_seconds"].get(phase)) for db in dbs)
                + " |"
            )
        lines += ["", "## Timings (milliseconds)", ""]
        header = "| measurement | reads | target |"
        rule = "|---|---|---:|"
        for db in dbs:
            header += f" {NAMES[db]} p50 | {NAMES[db]} p95 | met |"
            rule += "---:|---:|:---:|"
        lines += [header, rule]
        keys: list[tuple[str, str]] = []
        by_key: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        for db in dbs:
            by_key[db] = {}
            for item in results[db]["measurements"]:
                key = (item["name"], item["scope"])
                by_key[db][key] = item
                if key not in keys:
                    keys.append(key)
        notes: list[str] = []
        for key in keys:
            any_item = next(by_key[db][key] for db in dbs if key in by_key[db])
            row = f"| {key[0]} | {key[1]} | ≤ {any_item['target_ms']:.0f} |"
            for db in dbs:
                item = by_key[db].get(key)
                if item is None:
                    row += " — | — | |"
                    continue
                if item.get("error"):
                    row += " error | error | **no** |"
                    notes.append(f"- {NAMES[db]}, {key[0]} [{key[1]}]: **{item['error']}**")
                    continue
                met = "yes" if item["p95"] <= item["target_ms"] else "**no**"
                row += f" {_fmt(item['p50'])} | {_fmt(item['p95'])} | {met} |"
                if item.get("hits") is not None and item.get("tried"):
                    note = item.get("note") or "found the customer in {hits} of {tried} inputs"
                    notes.append(
                        f"- {NAMES[db]}, {key[0]} [{key[1]}]: "
                        + note.format(hits=item["hits"], tried=item["tried"])
                    )
                elif item.get("note"):
                    notes.append(f"- {NAMES[db]}, {key[0]} [{key[1]}]: {item['note']}")
            lines.append(row)
        lines += ["", "## Checks", ""]
        for db in dbs:
            fid = results[db]["fidelity"]
            state = "all equal" if not fid["problems"] else "; ".join(fid["problems"])
            lines.append(
                f"- {NAMES[db]}: {fid['checked']} random customers compared with what the "
                f"services write (normalised values, sort name, search row): {state}"
            )
            if results[db].get("missing_pages"):
                lines.append(
                    f"- {NAMES[db]}: pages not measured (URL names missing): "
                    + ", ".join(results[db]["missing_pages"])
                )
        lines += notes
        misses = [
            (db, item)
            for db in dbs
            for item in results[db]["measurements"]
            if item["p95"] > item["target_ms"] and item.get("plan") and not item.get("error")
        ]
        if misses:
            lines += ["", "## Plans of the slowest query of each missed target", ""]
            for db, item in misses:
                lines += [
                    f"### {NAMES[db]}: {item['name']} [{item['scope']}] "
                    f"(slowest input “{item['slowest_input']}”)",
                    "",
                    "```sql",
                    item["slowest_sql"][:1500],
                    "```",
                    "```",
                    item["plan"][:3000],
                    "```",
                    "",
                ]
    lines += ["", MARKER, "", kept, ""] if kept else ["", MARKER, ""]
    path.write_text("\n".join(lines).rstrip() + "\n")
    return path


if __name__ == "__main__":
    print(write_report(Config.from_env()))
