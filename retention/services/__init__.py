"""Retention services (writes), one module per sub-domain: import from the submodules."""
