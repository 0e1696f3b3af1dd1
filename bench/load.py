"""Load run: the portal under gunicorn, several concurrent clients on loopback, throughput and p95.

    python bench/load.py [--clients 8] [--requests 40] [--workers 3]

Uses the configured DATABASE_URL (the same data the other benchmarks built). Every request loop is
bounded in count and time, and only 127.0.0.1 is ever contacted. Prints one JSON line per scenario.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEADLINE_S = 120  # hard stop for a whole scenario


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for(port: int, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def login_cookie(port: int, username: str, password: str) -> str:
    """Log in through the real login form; returns the Cookie header to send."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    body = response.read().decode()
    cookies = {c.split("=", 1)[0]: c.split("=", 1)[1].split(";")[0]
               for c in response.headers.get_all("Set-Cookie") or []}
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    form = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    conn.request("POST", "/accounts/login/", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookies['csrftoken']}",
        "Referer": f"http://{HOST}:{port}/accounts/login/"})
    response = conn.getresponse()
    response.read()
    for c in response.headers.get_all("Set-Cookie") or []:
        name, value = c.split("=", 1)
        cookies[name] = value.split(";")[0]
    if "sessionid" not in cookies:
        raise RuntimeError(f"login as {username} failed ({response.status})")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def run_clients(port: int, path: str, clients: int, requests: int, cookie: str = "") -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + DEADLINE_S

    def client():
        nonlocal errors
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        for _ in range(requests):
            if time.monotonic() > stop_at:
                break
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            elapsed = time.perf_counter() - start
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors += 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE_S + 10)
    wall = time.perf_counter() - began
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else None
    return {
        "path": path, "clients": clients, "requests": len(latencies), "errors": errors,
        "throughput_rps": round(len(latencies) / wall, 1) if wall else None,
        "median_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p95_ms": round(p95 * 1000, 1) if p95 is not None else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--username", default="province")
    parser.add_argument("--password", default="Demo@2024pass")
    args = parser.parse_args()
    port = free_port()
    env = {**os.environ, "DJANGO_DEBUG": "0", "AXES_ENABLED": "0"}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "greenmfg.wsgi", "-w", str(args.workers), "-b", f"{HOST}:{port}",
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    try:
        wait_for(port)
        scenarios = [("/list/?q=%E5%B9%BF%E5%B7%9E", ""), ("/healthz", "")]
        try:
            cookie = login_cookie(port, args.username, args.password)
            scenarios.append(("/units/?kind=factory&sort=-batch&page=3", cookie))
        except (RuntimeError, AttributeError) as exc:
            print(json.dumps({"note": f"authenticated scenario skipped: {exc}"}), flush=True)
        for path, cookie in scenarios:
            run_clients(port, path, 2, 3, cookie)  # warm up every worker
            result = run_clients(port, path, args.clients, args.requests, cookie)
            print(json.dumps({"bench": "load", "workers": args.workers, **result}, ensure_ascii=False), flush=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
