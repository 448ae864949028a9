"""Short form of tests/attack.py (the attack run of issue 9): honest submissions without and
with slow clients, idle uploads and garbage batches, 5 s each. Honest submissions must all
succeed, and their p99 under attack stay within a bound (10x the baseline p99 plus 500 ms: loose, for loaded and sanitizer builds; before the fixes the idle uploads alone made honest submissions 503)."""

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def test_attack_short_form():
    script = os.path.join(os.path.dirname(HERE), "attack.py")
    p = subprocess.run([sys.executable, script, "--seconds", "5", "--slow", "160", "--idle", "32", "--garbage", "1"],
                       capture_output=True, text=True, timeout=120)
    out = p.stdout + p.stderr
    for line in out.splitlines():
        print("    " + line)
    m = re.search(r"baseline_p99_ms=([\d.]+) attack_p99_ms=([\d.]+) baseline_n=(\d+) attack_n=(\d+) "
                  r"honest_errors=(\d+)", out)
    assert m, out[-2000:]
    base, att = float(m.group(1)), float(m.group(2))
    assert p.returncode == 0 and int(m.group(5)) == 0, out[-2000:]
    assert int(m.group(3)) > 0 and int(m.group(4)) > 0, out[-2000:]
    assert att <= 10 * base + 500, "honest p99 %.1f ms under attack, %.1f ms without" % (att, base)
