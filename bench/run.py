"""`make bench`: the green-code scoring benchmark at 1,000, 10,000 and 100,000 factories, on the configured
database (DATABASE_URL). Prints one JSON line per size (from `manage.py bench_scoring`).

    python bench/run.py [--sizes 1000,10000,100000]
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    env = dict(os.environ)
    for n in [int(s) for s in args.sizes.split(",") if s.strip()]:
        done = subprocess.run([sys.executable, str(ROOT / "manage.py"), "bench_scoring", "--factories", str(n)],
                              cwd=ROOT, env=env, check=False)
        if done.returncode:
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
