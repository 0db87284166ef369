"""Reads of the clinical core, one module per concept, scoped to who asks and audited."""
