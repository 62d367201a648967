"""Transparency at scale: C2SP tiles, witness cosignatures, quorum policies and a monitor."""
