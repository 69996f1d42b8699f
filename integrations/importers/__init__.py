"""Importers of real live-chat exports and webhook payloads (issue #7).

Each module maps one system's documents field by field onto the chat interchange format v1
(SPEC §3) and registers a document converter for `import_chats --format NAME`. The mapped dict
is always validated by chats.interchange.chat_payload_from_dict, the one validator. A payload
that is unknown or malformed becomes an InterchangeError naming the problem; the unit is then
rejected whole and kept verbatim, never half-imported.
"""
