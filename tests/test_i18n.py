"""Chinese first: every marked string has a Chinese translation, and the compiled catalogue is current."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_i18n_defaults_are_chinese_and_shanghai():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert "en" in dict(settings.LANGUAGES)


def test_i18n_every_zh_hans_entry_is_translated():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po if not e.translated() or e.fuzzy]
    assert untranslated == []


def test_i18n_compiled_catalogue_matches_the_po_file():
    po = polib.pofile(str(PO))
    mo = polib.mofile(str(PO.with_suffix(".mo")))
    as_dict = lambda cat: {e.msgid: (e.msgstr or e.msgstr_plural.get(0, "")) for e in cat if e.msgid}  # noqa: E731
    assert as_dict(mo) == as_dict(po), "run: python tools/po_fill.py (it recompiles the .mo)"


def test_i18n_a_chinese_string_is_served():
    with translation.override("zh-hans"):
        assert translation.gettext("Green factory") == "绿色工厂"
    with translation.override("en"):
        assert translation.gettext("Green factory") == "Green factory"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_i18n_catalogue_holds_every_string_of_the_code(tmp_path):
    """Re-extract the strings into a copy of the tree; nothing may be new compared with the catalogue."""
    copy = tmp_path / "src"
    ignore = shutil.ignore_patterns(".venv", ".git", "node_modules", "staticfiles", "artifacts", "*.sqlite3", "__pycache__")
    shutil.copytree(ROOT, copy, ignore=ignore)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--ignore=tests",
         "--ignore=bench", "--ignore=tools"],
        cwd=copy, check=True, capture_output=True,
    )
    extracted = {e.msgid for e in polib.pofile(str(copy / PO.relative_to(ROOT)))}
    known = {e.msgid for e in polib.pofile(str(PO)) if e.translated()}
    assert sorted(extracted - known) == []
