"""Evidence for auditors: the audit events and disposal certificates of a period, in one zip
that verifies offline (`export_audit_evidence`, the audit log page's download)."""
