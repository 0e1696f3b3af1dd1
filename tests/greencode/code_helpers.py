"""A scored cohort and an issued, current green code; and the outside tools a verifier would use on its files."""

import datetime as dt
import shutil
import subprocess

import pytest
from django.utils import timezone

from greencode.models import GreenCode
from greencode.services import codes, scoring
from tests.factories import enterprise_user

from .conftest import YEAR


def current_code(make_factory, n: int = 3, index: int = 0, **unit_kwargs):
    """n factories scored for YEAR; factory `index` applies. Its code is made current (the 2024 codes have
    expired by the machine's date). Returns (enterprise user, code)."""
    units = [make_factory({"energy_per_output": 10 + i}, **(unit_kwargs if i == index else {})) for i in range(n)]
    scoring.run_cohort(YEAR, "national")
    user = enterprise_user(units[index])
    code = codes.apply_for_code(user, units[index], YEAR)
    GreenCode.objects.filter(pk=code.pk).update(valid_until=timezone.localdate() + dt.timedelta(days=30))
    code = GreenCode.objects.select_related("unit", "unit__industry", "score__run").get(pk=code.pk)
    return user, code


def tool(name: str) -> str:
    """The path of a command-line tool; a failure (never a skip) when it is missing: .ci/run installs them."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install it (apt-get install -y zbar-tools poppler-utils librsvg2-bin), "
                    "as .ci/run does")
    return path


def zbarimg(png_path) -> list[str]:
    """What zbarimg reads in a picture: one decoded text per QR symbol.

    Only QR decoding is enabled: zbar's linear decoders (EAN, DataBar, Code 128) can read a false bar code out of
    a line of printed text, which made a certificate page "contain" two symbols on one CI machine.
    """
    result = subprocess.run([tool("zbarimg"), "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def run(*args) -> str:
    result = subprocess.run([tool(args[0]), *map(str, args[1:])], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout
