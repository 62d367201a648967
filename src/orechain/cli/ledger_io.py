"""Input helpers the ``ledger`` commands share: keys, passphrases, event files.

Kept apart from :mod:`orechain.cli.ledger` so the command modules registered on
the ``ledger`` app (custody events, packs) use them without an import cycle.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from orechain.errors import InputError

__all__ = ["_load_key", "_passphrase", "_read_docs", "_read_file"]


def _passphrase(confirm: bool = False) -> bytes:
    """The key passphrase from ORECHAIN_KEY_PASSPHRASE, else from a hidden prompt."""
    import os

    from orechain.ledger import keys

    value = os.environ.get(keys.PASSPHRASE_ENV)
    if value is None:
        if not sys.stdin.isatty():
            msg = f"the key is encrypted and {keys.PASSPHRASE_ENV} is not set (no terminal)"
            raise InputError(msg, field="passphrase")
        value = typer.prompt("Key passphrase", hide_input=True, confirmation_prompt=confirm)
    return value.encode()


def _load_key(path: Path) -> Any:
    """A private key file, asking for its passphrase only if it is encrypted."""
    from orechain.ledger import keys

    if path.is_file() and keys.is_encrypted(path):
        return keys.load_private_key(path, _passphrase())
    return keys.load_private_key(path)


def _read_docs(file: Path) -> list[dict[str, Any]]:
    """Envelopes or unsigned events from one JSON document or JSON Lines; one-line errors."""
    from orechain.ledger.canonical import parse_json

    data = sys.stdin.buffer.read() if str(file) == "-" else _read_file(file)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"not UTF-8 text (byte {exc.start}); expected JSON or JSON Lines"
        raise InputError(msg, source=str(file)) from exc
    lines = [text] if text.lstrip().startswith("{") and "\n{" not in text.strip() else [
        ln for ln in text.splitlines() if ln.strip()]  # fmt: skip
    docs = [parse_json(ln, source=f"{file}:{i + 1}") for i, ln in enumerate(lines)]
    if not docs:
        msg = "no events in the file"
        raise InputError(msg, source=str(file))
    for i, doc in enumerate(docs):
        if not isinstance(doc, dict):
            kind = "a JSON array" if isinstance(doc, list) else type(doc).__name__
            msg = f"expected an envelope or event object per line, got {kind}"
            raise InputError(msg, source=f"{file}:{i + 1}")
    return docs


def _read_file(path: Path) -> bytes:
    """Bytes of a regular file, or a one-line error (missing, a directory, unreadable)."""
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        msg = f"{path} {what}; expected a file"
        raise InputError(msg, source=str(path))
    try:
        return path.read_bytes()
    except OSError as exc:
        msg = f"cannot read: {exc.strerror}"
        raise InputError(msg, source=str(path)) from exc
