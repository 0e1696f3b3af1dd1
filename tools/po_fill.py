"""Merge translations into the zh_Hans catalogue and compile it.

    python tools/po_fill.py                     # merge every locale/src/*.json, then compile
    python tools/po_fill.py extra.json          # also merge this file
    python tools/po_fill.py --missing           # list msgids that still lack a translation

Each app keeps its Chinese in locale/src/<app>.json: {"English msgid": "中文", ...}; a plural is a list.
Run `make messages` first so that the catalogue holds every string of the code and templates.

Run `make messages` first so that the catalogue holds every string of the code and templates.
"""

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def missing(po) -> list:
    return [e for e in po if (not e.translated()) or e.fuzzy]


def main(argv: list[str]) -> int:
    po = polib.pofile(str(PO))
    if argv and argv[0] == "--missing":
        for entry in missing(po):
            print(json.dumps(entry.msgid, ensure_ascii=False))
        return 0
    updates = {}
    for path in sorted((ROOT / "locale" / "src").glob("*.json")) + [Path(a) for a in argv]:
        updates.update(json.loads(path.read_text(encoding="utf-8")))
    for entry in po:
        if entry.msgid in updates:
            value = updates[entry.msgid]
            if entry.msgid_plural:
                forms = value if isinstance(value, list) else [value]
                entry.msgstr_plural = {0: forms[0]}
            else:
                entry.msgstr = value
            if entry.fuzzy:
                entry.flags.remove("fuzzy")
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Language"] = "zh_Hans"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.save()
    po.save_as_mofile(str(PO.with_suffix(".mo")))
    left = missing(po)
    print(f"{len(po) - len(left)} translated, {len(left)} missing")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
