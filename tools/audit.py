"""`make audit`: pip-audit over requirements.txt, where a vulnerability service can be reached.

Every requirement is pinned exactly, so the pins are audited as they are (`--no-deps`: what the file names,
nothing resolved). When the vulnerability service (PyPI's JSON API, pip-audit's default) cannot be reached from
this machine, it says so plainly and exits 0: an offline machine cannot audit, and that is not a failure of the
code. A vulnerability found exits non-zero.
"""

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE = "https://pypi.org/pypi/{name}/{version}/json"


def probe_url(service: str = SERVICE) -> str:
    """The service's answer for our own Django pin: what pip-audit asks for every requirement."""
    pin = re.search(r"^Django==(\S+)", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    return service.format(name="django", version=pin.group(1) if pin else "5.2")


def reachable(url: str, timeout: float = 8) -> bool:
    """True when the service answers with vulnerability data (a package mirror without it does not count)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (a fixed https URL)
            return response.status == 200 and "vulnerabilities" in json.load(response)
    except Exception:  # any failure to connect or to read means: not reachable
        return False


def main(service: str = SERVICE) -> int:
    url = probe_url(service)
    if not reachable(url):
        print(f"make audit: skipped - the vulnerability service cannot be reached from this machine "
              f"({url} gave no vulnerability data). Nothing was audited; run `make audit` where PyPI is reachable.")
        return 0
    command = [str(Path(sys.executable).with_name("pip-audit")), "--requirement", str(ROOT / "requirements.txt"),
               "--no-deps", "--disable-pip", "--progress-spinner", "off"]
    print("make audit:", " ".join(command[1:]), flush=True)
    return subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603 (our own tool)


if __name__ == "__main__":
    sys.exit(main())
