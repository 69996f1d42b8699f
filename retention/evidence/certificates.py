"""Checks the chain of disposal certificates (the `verify_certificates` job and the certificate
list's button): each certificate's hash covers its payload and the previous certificate's hash,
so an altered, removed or re-ordered certificate breaks the walk."""

from audit.chain import GENESIS_HASH
from retention.models import DisposalCertificate
from retention.services.disposal.certificates import certificate_hash

VERIFY_CHUNK_SIZE = 1000


def certificates_chain_verify() -> tuple[bool, str]:
    """Walks every certificate in sequence order (read-only). Returns (ok, message naming the
    first break)."""
    expected_sequence, previous_hash, verified = 1, GENESIS_HASH, 0
    rows = DisposalCertificate.objects.order_by("sequence").values_list(
        "pk", "sequence", "previous_hash", "hash", "payload"
    )
    for pk, sequence, previous, stored_hash, payload in rows.iterator(chunk_size=VERIFY_CHUNK_SIZE):
        where = f"disposal certificate #{sequence} (id {pk})"
        if sequence != expected_sequence:
            return False, f"disposal certificate #{expected_sequence} is missing"
        if previous != previous_hash:
            return False, f"{where} does not follow certificate #{expected_sequence - 1}"
        if certificate_hash(previous, payload) != stored_hash:
            return False, f"{where} was altered: its hash does not match its payload"
        previous_hash, expected_sequence, verified = stored_hash, sequence + 1, verified + 1
    return True, f"certificate chain intact: {verified} certificates verified"
