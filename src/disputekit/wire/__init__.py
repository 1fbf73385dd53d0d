"""The platform's wire format: signatures, envelopes, payloads, records."""
