"""Signing of webhook bodies, and the receiver's verification recipe.

Each delivery is a POST with a JSON body and these headers:

    X-ChatRecords-Event:      chat.closed
    X-ChatRecords-Delivery:   <uuid of the event; the same on every retry, use it to de-duplicate>
    X-ChatRecords-Timestamp:  <Unix seconds when this attempt was signed>
    X-ChatRecords-Signature:  v1=<hex HMAC-SHA256>

The signature is HMAC-SHA256 keyed with the subscription's secret over the bytes
`<timestamp>.<raw body>`. To verify: take the timestamp header and the raw body exactly as
received, compute the HMAC, compare it with the header in constant time, and refuse it when the
timestamp is more than 5 minutes away from your clock (a replayed request). Python:

    expected = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(f"v1={expected}", header) and abs(time.time() - int(ts)) <= 300
"""

import hashlib
import hmac

EVENT_HEADER = "X-ChatRecords-Event"
DELIVERY_HEADER = "X-ChatRecords-Delivery"
TIMESTAMP_HEADER = "X-ChatRecords-Timestamp"
SIGNATURE_HEADER = "X-ChatRecords-Signature"
TOLERANCE_SECONDS = 300


def signature_compute(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={digest.hexdigest()}"


def signature_verify(
    *, secret: str, timestamp: str, body: bytes, signature: str, now: float
) -> bool:
    if not timestamp.isdigit() or abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = signature_compute(secret=secret, timestamp=int(timestamp), body=body)
    return hmac.compare_digest(expected, signature)
