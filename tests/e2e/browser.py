"""A real Chromium (Debian's ``chromium``) for Playwright, found on the system.

No browser is downloaded: Playwright starts the system's Chromium (``CHROMIUM`` or
``/usr/bin/chromium``). Without one the browser tests are skipped with the reason shown,
so the README's test command passes on a bare machine; ``REQUIRE_BROWSER=1`` (set by
``.ci/run``) turns a missing browser into a failure.
"""

import os
import shutil
from pathlib import Path

import pytest

# The flags the machine needs: no sandbox as root, and no calls home (the network is closed).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS", "test-artefacts")) / "screenshots"


def chromium_path() -> str:
    """The system Chromium, or skip (fail under ``REQUIRE_BROWSER``) with the reason."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    reason = None
    if not Path(path).exists():
        reason = f"no Chromium at {path}: apt-get install chromium (or set CHROMIUM)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed (pip install -e '.[test]')"
    if reason is not None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER is set, but {reason}")
        pytest.skip(reason)
    return path
