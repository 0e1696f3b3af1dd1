"""Spreadsheet bombs through every upload path: peak memory and time, and /healthz while four uploads run.

    python bench/bombs.py [--only cases,healthz] [--workers 2] [--threads 4]

Each kind of hostile .xlsx at or under the upload limit (tests/registry/xlsx_bombs.py: 20 million shared
strings, a sheet without <dimension>, a huge sheet, many sheets, and variants that stay under the caps) is posted
through the registry import, the enterprise's filing upload and a city's bulk upload, each in a fresh process, as a
logged-in user through the real views. One JSON line per case: the answer, seconds, the web process's peak RSS
(VmHWM of the process that ran the view) and the reading child's peak RSS. The targets: refused or read, peak RSS
under 300 MB, under 30 s.
Then gunicorn (gthread workers) takes four such uploads at once while /healthz is polled every 100 ms on loopback:
one JSON line with the uploads' times and the health check's worst and p95 latency (target: under 200 ms).
Uses the configured DATABASE_URL; its own users, unit and campaign (year 2091) are removed afterwards. Only
127.0.0.1 is ever contacted, and every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenmfg.settings")

YEAR = 2091
PASSWORD = "Bench@2091-bombs"
USERS = {"import": "bench-bomb-province", "filing": "bench-bomb-enterprise", "bulk": "bench-bomb-city"}
CREDIT = "91440101BENCHBOMB1"
LIMIT_MB, LIMIT_S = 300, 30


def bombs() -> dict:
    """Every kind, each at or under the upload limit."""
    from registry.importer import HEADERS
    from tests.registry import xlsx_bombs as b

    return {
        "shared_strings_20M": functools.partial(b.shared_strings_bomb, 20_000_000),
        "no_dimension_2M_rows": functools.partial(b.no_dimension_sheet, 2_000_000),
        "no_dimension_1M_rows_under_caps": functools.partial(b.no_dimension_sheet, 1_000_000),
        # the registry's own header on top: the reader goes on to its row bound before refusing
        "no_dimension_1M_rows_with_header": functools.partial(b.no_dimension_sheet, 1_000_000, header=HEADERS),
        "huge_sheet_2M_cell_row": functools.partial(b.wide_row, 2_000_000),
        "many_sheets_5000": functools.partial(b.many_sheets, 5000),
        "many_sheets_49_under_caps": functools.partial(b.many_sheets, 49),
        "entity_amplification": b.entity_amplification,
    }


def _setup_django():
    import django

    django.setup()


def ensure_world() -> None:
    """The users, unit and campaign the uploads act as (idempotent)."""
    import datetime as dt

    from registry.models import City, Industry, Unit, User
    from reviews.models import Campaign
    from tests import factories

    if not City.objects.exists():
        from django.core.management import call_command

        call_command("loaddata", "cities", "industries", verbosity=0)
    Campaign.objects.get_or_create(year=YEAR, defaults={
        "filing_opens": dt.date(YEAR, 1, 1), "filing_due": dt.date(YEAR, 12, 30),
        "city_review_due": dt.date(YEAR, 12, 30), "province_report_due": dt.date(YEAR, 12, 31)})
    unit = Unit.objects.filter(credit_code=CREDIT).first() or factories.UnitFactory(
        credit_code=CREDIT, name="BENCH-BOMB 炸弹测试工厂", city=City.objects.get(name="广州市"),
        industry=Industry.objects.get(code="39"))
    if not User.objects.filter(username=USERS["import"]).exists():
        factories.province_user(USERS["import"])
        factories.enterprise_user(unit, USERS["filing"])
        factories.city_user("广州市", USERS["bulk"])
    for user in User.objects.filter(username__in=USERS.values()):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])


def remove_world() -> None:
    from registry.models import Unit, User
    from reviews.models import Campaign

    User.objects.filter(username__in=USERS.values()).delete()
    Campaign.objects.filter(year=YEAR).delete()
    Unit.objects.filter(credit_code=CREDIT).delete()


def url_for(path: str) -> str:
    from django.urls import reverse

    from registry.models import Unit

    if path == "import":
        return reverse("registry:unit_import")
    if path == "filing":
        return reverse("reviews:filing_upload", args=[YEAR, Unit.objects.get(credit_code=CREDIT).pk])
    return reverse("reviews:city_upload", args=[YEAR])


def _vm_hwm_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def one_case(kind: str, path: str, file: Path) -> dict:
    """In a fresh process: post `file` through `path` as its user, through the real view."""
    import logging

    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.test.utils import setup_test_environment

    from registry.models import User

    setup_test_environment()  # so the response carries the view's context (the answer shown to the person)

    reads = []

    class Catch(logging.Handler):
        def emit(self, record):
            reads.append(record)

    logging.getLogger("greenmfg.uploads").addHandler(Catch())
    logging.getLogger("greenmfg.uploads").setLevel(logging.INFO)
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=USERS[path]), backend="django.contrib.auth.backends.ModelBackend")
    url = url_for(path)
    data = file.read_bytes()
    before = _vm_hwm_mb()
    start = time.perf_counter()
    response = client.post(url, {"file": SimpleUploadedFile(f"{kind}.xlsx", data)})
    seconds = time.perf_counter() - start
    context = response.context or {}
    answer = context.get("report") or context.get("parsed")
    message = getattr(answer, "file_error", "") if answer is not None else ""
    errors = len(getattr(answer, "errors", []) or []) if answer is not None else 0
    reader = reads[-1] if reads else None
    # A reader that died at its memory cap cannot report its peak; the cap itself bounds it.
    reader_mb = getattr(reader, "xlsx_peak_rss_kb", 0) / 1024 if reader else 0.0
    cap_mb = settings.UPLOAD_PARSE_MEMORY_MB
    web_mb = _vm_hwm_mb()
    outcome = "refused" if message else ("read, rows refused" if errors else "read")
    return {
        "bench": "bomb", "kind": kind, "path": path, "file_mb": round(len(data) / 1e6, 2), "status": response.status_code,
        "outcome": outcome, "reader": getattr(reader, "xlsx_outcome", None), "seconds": round(seconds, 2),
        "web_peak_rss_mb": round(web_mb, 1), "web_rss_before_mb": round(before, 1),
        "reader_peak_rss_mb": round(reader_mb, 1) if reader_mb else None, "reader_memory_cap_mb": cap_mb if reader else None,
        "ok": response.status_code == 200 and seconds < LIMIT_S and max(web_mb, reader_mb, cap_mb if reader else 0) < LIMIT_MB,
        "message": message[:160],
    }


# --- four uploads at once against gunicorn, /healthz polled ----------------------------------------------------

HOST = "127.0.0.1"


def _multipart(field: str, filename: str, data: bytes, fields: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                 f"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n".encode())
    parts.append(data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _upload(port: int, cookie: str, url: str, data: bytes, out: list, lock: threading.Lock) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=90)
    conn.request("GET", url, headers={"Cookie": cookie})
    page = conn.getresponse().read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body, content_type = _multipart("file", "bomb.xlsx", data, {"csrfmiddlewaretoken": token})
    start = time.perf_counter()
    conn.request("POST", url, body=body, headers={"Cookie": cookie, "Content-Type": content_type,
                                                  "Referer": f"http://{HOST}:{port}{url}"})
    response = conn.getresponse()
    text = response.read().decode(errors="replace")
    with lock:
        out.append({"status": response.status, "seconds": round(time.perf_counter() - start, 2),
                    "refused": "无法作为 Excel .xlsx 工作簿读取" in text or "cannot be read as an Excel" in text})
    conn.close()


def healthz_under_load(kind: str, file: Path, workers: int, threads: int) -> dict:
    from load import free_port, login_cookie, wait_for

    port = free_port()
    env = {**os.environ, "DJANGO_DEBUG": "0", "AXES_ENABLED": "0"}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "greenmfg.wsgi", "-w", str(workers), "--threads",
         str(threads), "-b", f"{HOST}:{port}", "--timeout", "120", "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        wait_for(port)
        cookie = login_cookie(port, USERS["import"], PASSWORD)
        url = url_for("import")
        data = file.read_bytes()
        latencies: list[float] = []
        for _ in range(5):  # warm up
            conn = http.client.HTTPConnection(HOST, port, timeout=10)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
        results: list = []
        lock = threading.Lock()
        uploads = [threading.Thread(target=_upload, args=(port, cookie, url, data, results, lock)) for _ in range(4)]
        for t in uploads:
            t.start()
        deadline = time.monotonic() + 120
        while any(t.is_alive() for t in uploads) and time.monotonic() < deadline:
            conn = http.client.HTTPConnection(HOST, port, timeout=10)
            start = time.perf_counter()
            try:
                conn.request("GET", "/healthz")
                ok = conn.getresponse().status == 200
            except (OSError, http.client.HTTPException):
                ok = False
            latencies.append(time.perf_counter() - start if ok else 10.0)
            conn.close()
            time.sleep(0.1)
        for t in uploads:
            t.join(10)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    latencies.sort()
    worst = latencies[-1] if latencies else None
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else None
    return {
        "bench": "bomb_healthz", "kind": kind, "uploads": results, "workers": workers, "threads": threads,
        "healthz_checks": len(latencies), "healthz_max_ms": round(worst * 1000, 1) if worst is not None else None,
        "healthz_p95_ms": round(p95 * 1000, 1) if p95 is not None else None,
        "ok": bool(latencies) and worst < 0.2 and len(results) == 4,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="cases,healthz")
    parser.add_argument("--kinds", default="", help="comma-separated subset of the bomb kinds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--healthz-kind", default="huge_sheet_2M_cell_row")
    parser.add_argument("--one", nargs=3, metavar=("KIND", "PATH", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    _setup_django()
    if args.one:
        kind, path, file = args.one
        print(json.dumps(one_case(kind, path, Path(file)), ensure_ascii=False), flush=True)
        return 0
    import tempfile

    wanted = {w.strip() for w in args.only.split(",")}
    kinds = bombs()
    if args.kinds:
        kinds = {k: v for k, v in kinds.items() if k in args.kinds.split(",")}
    ensure_world()
    status = 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            files = {}
            for kind, build in kinds.items():
                files[kind] = Path(tmp) / f"{kind}.xlsx"
                files[kind].write_bytes(build())
            if "cases" in wanted:
                for kind, file in files.items():
                    for path in ("import", "filing", "bulk"):
                        out = subprocess.run([sys.executable, __file__, "--one", kind, path, str(file)], cwd=ROOT,
                                             capture_output=True, text=True, timeout=300, check=False)
                        line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else json.dumps(
                            {"bench": "bomb", "kind": kind, "path": path, "ok": False, "error": out.stderr[-300:]})
                        print(line, flush=True)
                        status |= 0 if json.loads(line).get("ok") else 1
            if "healthz" in wanted:
                kind = args.healthz_kind if args.healthz_kind in files else next(iter(files))
                result = healthz_under_load(kind, files[kind], args.workers, args.threads)
                print(json.dumps(result, ensure_ascii=False), flush=True)
                status |= 0 if result["ok"] else 1
    finally:
        remove_world()
    return status


if __name__ == "__main__":
    sys.exit(main())
