"""Extract the ``orechain …`` commands printed in README.md and docs/*.md code blocks."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass(frozen=True)
class DocCommand:
    """One command as printed: its document, its tokens, where stdout is redirected."""

    doc: str
    line: int
    tokens: tuple[str, ...]
    stdout_to: str | None = None

    @property
    def key(self) -> str:
        """The command as printed, normalised (comments and the prompt dropped)."""
        text = shlex.join(self.tokens)
        return f"{text} > {self.stdout_to}" if self.stdout_to else text


def _logical_lines(block: list[tuple[int, str]]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for n, raw in block:
        text = raw.rstrip()
        if pending is not None:
            text = pending[1] + " " + text.strip()
            n = pending[0]
            pending = None
        if text.endswith("\\"):
            pending = (n, text[:-1])
            continue
        out.append((n, text))
    return out


def doc_commands(path: Path) -> list[DocCommand]:
    """Every ``orechain`` invocation in the fenced code blocks of ``path``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] | None = None
    for n, line in enumerate(lines, start=1):
        if line.lstrip().startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.append((n, line))
    found: list[DocCommand] = []
    for block in blocks:
        for n, text in _logical_lines(block):
            body = text.strip()
            if body.startswith("$ "):
                body = body[2:]
            if not body.startswith("orechain "):
                continue
            tokens = shlex.split(body, comments=True)
            for part in _split_and(tokens):
                stdout_to = None
                if ">" in part:
                    i = part.index(">")
                    stdout_to = part[i + 1]
                    part = part[:i]
                found.append(
                    DocCommand(path.relative_to(ROOT).as_posix(), n, tuple(part), stdout_to)
                )
    return found


def _split_and(tokens: list[str]) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for t in tokens:
        if t == "&&":
            parts.append([])
        else:
            parts[-1].append(t)
    return [p for p in parts if p]


def all_doc_commands() -> list[DocCommand]:
    """Commands of README.md and every docs/*.md, in document order."""
    return [c for path in DOCS for c in doc_commands(path)]
