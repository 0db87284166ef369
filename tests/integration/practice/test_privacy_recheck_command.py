"""``practice privacy recheck``, run as an operator would: it lists the records whose
employer-bound text the guard refuses now by kind and id only, and says how many (what it
finds is tested in test_privacy_canary.py; here, that the command runs and prints no text)."""

import re

from tests.integration.practice.test_cli import practice


def test_the_recheck_command_runs_and_ends_with_its_count() -> None:
    done = practice("privacy", "recheck")
    assert done.returncode in {0, 1}, done.stderr
    lines = done.stdout.strip().splitlines()
    count = re.fullmatch(r"(\d+) stored employer texts fail the employer-text guard now", lines[-1])
    assert count, done.stdout
    assert int(count.group(1)) == len(lines) - 1
    assert done.returncode == (1 if int(count.group(1)) else 0)
    for line in lines[:-1]:
        assert re.fullmatch(r"(agreement|minutes|relapse_plan) \d+ episode \d+", line), line
