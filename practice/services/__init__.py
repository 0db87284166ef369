"""Use cases of the clinical core, one module per concept: load, decide, store, send.

Each service is one write transaction (``practice.platform.db.write_tx``) and records its audit
rows inside it, so the effect and its audit row commit together or not at all.
"""
