"""@Work practice service: the clinical core (who and what was agreed).

The flow: a referral (aanmelding) arrives, the client is screened, a treatment episode
runs with sessions, the company doctor gets interim reports and the employer non-medical
process updates, the episode closes with a relapse-prevention plan, and follow-ups feed the
outcome statistics. `practice` holds the record and the privacy rules, `scheduling` the
time, `reporting` what is told to others.

Read `practice/app.py` (every route group), then `practice/worker.py` (every job).
"""

import os

# Piccolo finds its engine through this module name; set it before any table is imported.
os.environ.setdefault("PICCOLO_CONF", "practice.piccolo_conf")
