"""Run every benchmark script in this folder, one after another.

Each script is a file named bench_*.py that prints its own figures beside
the baseline it measured in the same run. A failing script is reported and
the others still run; the exit status is non-zero if any failed.
"""

import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def main():
    scripts = sorted(BENCH_DIR.glob("bench_*.py"))
    if not scripts:
        print("No benchmark scripts found in", BENCH_DIR)
        return 1
    failed = []
    for script in scripts:
        print(f"\n=== {script.name}", flush=True)
        result = subprocess.run([sys.executable, str(script), *sys.argv[1:]], cwd=BENCH_DIR.parent)
        if result.returncode != 0:
            failed.append(script.name)
    if failed:
        print("\nFailed benchmarks:", ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
