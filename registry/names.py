"""Names as MIIT prints them, made comparable.

MIIT's published lists mix full- and half-width brackets (`广州立白(番禺)有限公司`), carry stray spaces
(`TCL 空调器（中山）有限公司`) and embed renames (`深圳市宝能汽车有限公司（原长安标致雪铁龙汽车有限公司）`).
`clean_name` gives the name to store (full-width brackets, no stray spaces) and the former name, if any;
`name_key` gives the key two spellings of one name share.
"""

from __future__ import annotations

import re
import unicodedata

_DASHES = str.maketrans({ch: "-" for ch in "‐‑‒–—―－﹣−"})
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff()"
# A space next to a Chinese character or a bracket is a stray one; between two Latin words it is kept.
_STRAY_SPACE = re.compile(rf"\s+(?=[{_CJK}])|(?<=[{_CJK}])\s+")
_FORMER = re.compile(r"\(\s*原(?:名称|名)?\s*[:]?\s*([^()]+?)\s*\)\s*$")


def _half_width(text: str) -> str:
    """Full-width letters, digits, brackets and spaces to their ASCII forms (NFKC), dashes unified."""
    return unicodedata.normalize("NFKC", text or "").translate(_DASHES)


def _tidy(text: str) -> str:
    text = _STRAY_SPACE.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def clean_name(raw: str) -> tuple[str, str]:
    """(name, former name) of a name as printed; the former name is "" when the name carries no "（原…）"."""
    text = _tidy(_half_width(str(raw or "")))
    former = ""
    match = _FORMER.search(text)
    if match and match.start() > 0:
        former = _tidy(match.group(1))
        text = text[: match.start()].strip()
    return _full_width_brackets(text), _full_width_brackets(former)


def _full_width_brackets(text: str) -> str:
    # Registered Chinese names write their brackets full-width: 日立电梯（中国）有限公司.
    return text.replace("(", "（").replace(")", "）")


def name_key(name: str) -> str:
    """The key of a name: half-width, without any space, case-folded. Two spellings of one name share it."""
    text = _half_width(str(name or ""))
    return re.sub(r"\s+", "", text).casefold()
