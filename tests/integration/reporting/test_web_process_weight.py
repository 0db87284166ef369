"""The web process submits renders but never lays out a page, so it must not load WeasyPrint
(about 40 MB of the 150 MB budget, target P-8)."""

import subprocess
import sys


def test_importing_the_web_application_does_not_load_weasyprint() -> None:
    probe = "import sys, practice.composition.app; print('weasyprint' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False"
