"""Translation upkeep without hand-editing .po files.

    python scripts/translations.py apply   # makemessages, fill msgstrs from locale/pending/*.json,
                                           # compile, remove the applied JSON files
    python scripts/translations.py check   # fail on untranslated, fuzzy or mismatched entries,
                                           # or on source strings missing from the catalogues

Pending files map a msgid to its translations: {"Save": {"pt_BR": "Salvar", "es": "Guardar"}};
a plural is keyed "singular||plural" with lists as values. Branches add such files instead of
editing the catalogues, so parallel work never conflicts inside a .po file.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "vinculo"
LOCALE = PACKAGE / "locale"
PENDING = LOCALE / "pending"
TRANSLATED = ("pt_BR", "es")
ALL = ("pt_BR", "es", "en")
VINCULO = str(ROOT / ".venv" / "bin" / "vinculo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def catalogue(lang: str, base: Path = PACKAGE) -> Path:
    return base / "locale" / lang / "LC_MESSAGES" / "django.po"


def makemessages(base: Path = PACKAGE) -> None:
    args = [VINCULO, "makemessages", "--no-obsolete", "--ignore", "locale/pending/*"]
    for lang in ALL:
        args += ["-l", lang]
    subprocess.run(args, cwd=base, check=True, stdout=subprocess.DEVNULL)


def apply() -> int:
    pending: dict[str, dict[str, object]] = {}
    files = sorted(PENDING.glob("*.json"))
    for path in files:
        pending.update(json.loads(path.read_text(encoding="utf-8")))
    makemessages()
    missing: set[str] = set(pending)
    for lang in TRANSLATED:
        po = polib.pofile(str(catalogue(lang)))
        for entry in po:
            key = f"{entry.msgid}||{entry.msgid_plural}" if entry.msgid_plural else entry.msgid
            given = pending.get(key, {}).get(lang)
            if given is None:
                continue
            missing.discard(key)
            if entry.msgid_plural:
                entry.msgstr_plural = dict(enumerate(given))  # type: ignore[arg-type]
            else:
                entry.msgstr = str(given)
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
                entry.previous_msgid = None
                entry.previous_msgid_plural = None
        po.save()
    subprocess.run([VINCULO, "compilemessages"], cwd=PACKAGE, check=True, stdout=subprocess.DEVNULL)
    for path in files:
        path.unlink()
    for key in sorted(missing):
        print(f"not in the source any more: {key!r}")
    return 0


def problems(lang: str, base: Path = PACKAGE) -> list[str]:
    found = []
    for entry in polib.pofile(str(catalogue(lang, base))):
        if entry.obsolete:
            continue
        label = f"{lang}: {entry.msgid!r}"
        if "fuzzy" in entry.flags:
            found.append(f"{label} is fuzzy")
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if not all(texts):
            found.append(f"{label} is untranslated")
            continue
        wanted = sorted(set(PLACEHOLDER.findall(entry.msgid)))
        for text in texts:
            if sorted(set(PLACEHOLDER.findall(text))) != wanted:
                found.append(f"{label} placeholders differ: {text!r}")
    return found


def check() -> int:
    found: list[str] = []
    for lang in TRANSLATED:
        found += problems(lang)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "vinculo"
        shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        makemessages(copy)
        for lang in ALL:
            current = {e.msgid for e in polib.pofile(str(catalogue(lang)))}
            fresh = {e.msgid for e in polib.pofile(str(catalogue(lang, copy)))}
            for msgid in sorted(fresh - current):
                found.append(f"{lang}: {msgid!r} is in the source but not in the catalogue")
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} translation problems: see scripts/translations.py")
        return 1
    print("translations: complete in pt-BR and es")
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    sys.exit({"apply": apply, "check": check}[command]())
