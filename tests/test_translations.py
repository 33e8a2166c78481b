"""The Chinese catalogue is complete: every translatable string in the code has a Chinese translation."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["manage.py", "fucheng", "centers", "appointments", "cases", "templates", "locale"]


def _entries(po_text: str):
    for block in po_text.split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if not msgid:
            continue
        ident = "".join(re.findall(r'"(.*)"', msgid.group(1)))
        if not ident:
            continue  # the header
        strs = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
        texts = ["".join(re.findall(r'"(.*)"', s)) for s in strs]
        yield ident, texts, "#, fuzzy" in block or ", fuzzy" in block


def test_every_string_in_the_code_has_a_chinese_translation(tmp_path):
    for name in SOURCES:
        source = ROOT / name
        target = tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(source, target)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "FUCHENG_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    po = (tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    missing = [ident for ident, texts, fuzzy in _entries(po) if fuzzy or not all(texts)]
    assert missing == [], f"{len(missing)} strings lack a Chinese translation, e.g. {missing[:10]}"


def test_the_compiled_catalogue_is_not_older_than_its_source():
    po = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"
    mo = ROOT / "locale/zh_Hans/LC_MESSAGES/django.mo"
    with po.open(encoding="utf-8") as handle:
        translated = sum(1 for ident, texts, fuzzy in _entries(handle.read()) if all(texts) and not fuzzy)
    import gettext

    with mo.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    compiled = len([key for key in catalogue._catalog if key])  # noqa: SLF001
    assert compiled >= translated, "run `python manage.py compilemessages -l zh_Hans` and commit the .mo"
