"""The English catalogue keeps up with the code, and English pages show it.

The interface is written in Bahasa Indonesia (the msgids); English comes from
locale/en/LC_MESSAGES/django.po. The msgids the code uses are extracted afresh by Django's
makemessages, run on a copy of the sources in a temporary directory: on the repository itself it
would write preprocessed templates (``*.html.py``) beside the originals and merge into the
repository's catalogue. The repository's files are only read.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
REGENERATE = (
    "DEBUG=1 .venv/bin/python manage.py makemessages -l en --ignore=.venv --ignore=var, "
    "then translate in locale/en/LC_MESSAGES/django.po (no fuzzy flags, no #~ entries)"
)

# What `makemessages --ignore=.venv --ignore=var` reads: .py, .html and .txt files, outside
# hidden folders (makemessages ignores ".*"), var/ and the static and media roots; locale/ holds
# no source.
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
SKIPPED = {ROOT / "var", ROOT / "locale"} | {
    Path(p).resolve() for p in (settings.STATIC_ROOT, settings.MEDIA_ROOT) if p
}


# --- a reader for the catalogue's format (gettext PO) ------------------------------------------
@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[str, str] = field(default_factory=dict)  # "msgstr" or "msgstr[N]" → text
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid or "")

    def label(self) -> str:
        return (f"[{self.msgctxt}] " if self.msgctxt else "") + repr(self.msgid)


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+"(.*)"$')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), text)


def read_po(path: Path) -> list[Entry]:
    """The entries of a PO file, the header (msgid "") included, obsolete ones marked."""
    entries: list[Entry] = []
    entry, last = Entry(), ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            continue
        keyword = _KEYWORD.match(line)
        starts_entry = line.startswith("#") or (keyword and not keyword[1].startswith("msgstr"))
        if entry.msgstr and starts_entry:  # the previous entry ended with its msgstr
            entries.append(entry)
            entry = Entry()
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif keyword:
            last, value = keyword[1], _unescape(keyword[2])
            entry.obsolete = entry.obsolete or obsolete
            if last.startswith("msgstr"):
                entry.msgstr[last] = value
            else:
                setattr(entry, last, value)
        elif line.startswith('"') and line.endswith('"') and last:  # a continued string
            value = _unescape(line[1:-1])
            if last.startswith("msgstr"):
                entry.msgstr[last] += value
            else:
                setattr(entry, last, getattr(entry, last) + value)
        else:
            raise ValueError(f"{path}: cannot read the line {raw!r}")
    if entry.msgid is not None:
        entries.append(entry)
    return entries


_PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdif]|%[sdif]|\{\w*\}")


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


# --- the msgids the code uses now ---------------------------------------------------------------
def copy_sources(root: Path, target: Path) -> int:
    copied = 0
    for folder, folders, files in os.walk(root):
        here = Path(folder)
        folders[:] = [f for f in folders if not f.startswith(".") and here / f not in SKIPPED]
        for name in files:
            if Path(name).suffix in SOURCE_SUFFIXES and not name.startswith("."):
                relative = (here / name).relative_to(root)
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(here / name, target / relative)
                copied += 1
    return copied


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[tuple[str | None, str], Entry]:
    """makemessages -l en on a copy of the sources: the catalogue as the code needs it."""
    copy = tmp_path_factory.mktemp("sources")
    assert copy_sources(ROOT, copy) > 100  # the whole project, not a stray folder
    with pytest.MonkeyPatch.context() as mp, override_settings(LOCALE_PATHS=[str(copy / "locale")]):
        mp.chdir(copy)
        call_command("makemessages", locale=["en"], verbosity=0)
    fresh = read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
    entries = {e.key: e for e in fresh if e.msgid and not e.obsolete}
    assert len(entries) > 100, "makemessages found almost nothing: is xgettext installed?"
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return read_po(CATALOGUE)


def test_every_msgid_the_code_uses_has_an_english_translation(extracted, catalogue):
    translated = {e.key: e for e in catalogue if e.msgid and not e.obsolete}
    problems = []
    for key, used in sorted(extracted.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        entry = translated.get(key)
        if entry is None:
            problems.append(f"missing: {used.label()}")
        elif "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {used.label()} → {entry.msgstr}")
        elif not entry.msgstr or not all(s.strip() for s in entry.msgstr.values()):
            problems.append(f"untranslated: {used.label()}")
        elif used.msgid_plural != entry.msgid_plural:
            problems.append(f"plural form changed: {used.label()}")
        else:
            wanted = placeholders(entry.msgid or "")
            for form, text in entry.msgstr.items():
                # a singular form may name the count in words ("one incident"), nothing else
                allowed = set(wanted) | set(placeholders(entry.msgid_plural or ""))
                got = placeholders(text)
                plural_ok = form != "msgstr" and set(got) <= allowed
                if got != wanted and not plural_ok:
                    problems.append(f"placeholders {got} instead of {wanted}: {used.label()}")
    assert not problems, (
        f"{len(problems)} msgid(s) used by the code have no usable English translation in "
        f"{CATALOGUE.relative_to(ROOT)} ({REGENERATE}):\n  " + "\n  ".join(problems)
    )


def test_the_catalogue_holds_no_msgid_the_code_no_longer_uses(extracted, catalogue):
    stale = [e.label() for e in catalogue if e.msgid and not e.obsolete and e.key not in extracted]
    obsolete = [e.label() for e in catalogue if e.msgid and e.obsolete]
    assert not stale and not obsolete, (
        f"{CATALOGUE.relative_to(ROOT)} is out of date ({REGENERATE}); no longer in the code: "
        f"{stale}; obsolete #~ entries: {obsolete}"
    )


# --- what a user sees -----------------------------------------------------------------------------
def page_config(html: str, script_id: str) -> dict:
    found = re.search(rf'<script id="{script_id}" type="application/json">(.*?)</script>', html)
    assert found, f"no {script_id} in the page"
    return json.loads(found[1])


@pytest.mark.django_db
def test_the_console_in_english_names_statuses_and_headings_in_english(client):
    client.force_login(make_user("operator"))

    english = client.get("/console/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in english
    assert "Units on this incident" in english and "Unit bertugas" not in english
    labels = page_config(english, "console-config")["labels"]
    # What the console and the wall write beside each incident and unit (untranslated before).
    assert labels["status"]["received"] == "Received"
    assert labels["status"]["prank"] == "Prank call"
    assert labels["unit_status"]["available"] == "Available"
    assert labels["unit_to"]["on_scene"] == "Arrived on scene"
    assert labels["category"]["keamanan"] == "Security and public order"

    indonesian = client.get("/console/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Unit bertugas" in indonesian
    labels = page_config(indonesian, "console-config")["labels"]
    assert labels["status"]["received"] == "Diterima"
    assert labels["unit_status"]["available"] == "Siaga"


@pytest.mark.django_db
def test_the_wall_in_english_counts_units_by_english_status(client):
    page = client.get("/wall/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Video wall" in page
    labels = page_config(page, "wall-config")["labels"]
    assert labels["unit_status"] == {
        "available": "Available",
        "dispatched": "Dispatched",
        "on_scene": "On scene",
        "returning": "Returning",
        "out_of_service": "Out of service",
    }
