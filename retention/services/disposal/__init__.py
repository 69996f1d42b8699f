"""Disposal batches: propose and review (`proposal`), execute (`execution`), certify
(`certificates`) (R-DISP-1…5).

Invariants:
- A record is in at most one pending item of an open batch (records are locked while proposed).
- A batch executes only once approved by as many distinct records managers as the higher of
  `required_approvals` (DISPOSAL_REQUIRED_APPROVALS when proposed) and the setting in force at
  approval and at execution (retention.rules.approvals_required); with two or more required,
  the proposer may not approve and a proposer's earlier approval does not count (four-eyes).
  A batch found short of approvals at execution goes back to `proposed` (audited, reported)
  and destroys nothing. Job-built batches have no proposer.
- Execution: the batch moves approved → executing by compare-and-set; then chunk by chunk,
  each chunk its own transaction, pending items are claimed with select_for_update(skip_locked)
  and re-checked (due, live, schedule, action, holds, blocks such as an unknown country or a
  pending QA review: retention.rules.record_disposal_refusal) before destruction. Due-ness is
  decided as of `clock_destruction_moment(now)`, never later than the real clock unless the
  simulated clock is allowed, whatever moment the batch was built at. A kill
  loses at most the open chunk, which rolls back; a re-run continues with the pending items.
- Several workers (threads, each with its own connection) may execute one batch at once: the
  skip-locked claim gives each a different chunk (DISPOSAL_WORKERS, PostgreSQL only).
- When no item is pending, the batch becomes completed together with its certificate in one
  transaction; completed batches are never executed again.
- A batch's summary (DisposalBatchSummary: items by class, country, chat year and status) equals
  a GROUP BY of its items at every commit: items change status or group only through
  retention.services.disposal.summary, which adjusts the summary in the same transaction.
- Evidence is stamped with the real clock (execution start, items, completion, certificate);
  the evaluation moment `now` is recorded beside it as `as_of` when it differs.
"""
