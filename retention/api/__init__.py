"""The retention API, one module per sub-domain: holds, disposal (batches, certificates),
records (with their holds, reviews and trigger events)."""
