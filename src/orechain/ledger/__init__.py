"""Chain-of-custody ledger: signed custody events, mass balance, provenance, compliance.

Every accepted event is canonicalised (RFC 8785), signed (Ed25519, RFC 8032) and
appended to an RFC 9162 Merkle tree, so anyone holding a signed checkpoint can
verify offline that a record is in the log and that the log only grew.
See ``docs/ledger.md``.
"""
