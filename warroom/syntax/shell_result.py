"""What the shell scanner reports: quoting contexts, words, simple commands and why text is incomplete.

The parser, the parameter substitution and the classifier all consume these, while only the
scanner produces them; keeping the result types apart lets their readers see the shape of a scan
without reading the scanner.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Quoting contexts, one per character of the scanned text.
PLAIN, SINGLE, DOUBLE, ANSI, HEREDOC, HEREDOC_LITERAL, COMMENT = range(7)


@dataclass
class Word:
    raw: str
    start: int
    end: int
    value: str
    quoted: bool = False
    has_expansion: bool = False


@dataclass
class SimpleCommand:
    """One simple command: its words (assignments first), redirections and heredoc bodies."""

    words: list[Word] = field(default_factory=list)
    redirects: list[tuple[str, str]] = field(default_factory=list)
    heredocs: list[str] = field(default_factory=list)
    # The operator that joined this command to the previous one ("", "|", "&&", ";", ...).
    joined_by: str = ""

    @property
    def argv(self) -> list[str]:
        return [w.value for w in self.words]


@dataclass
class ScanResult:
    commands: list[SimpleCommand]
    contexts: list[int]
    open_quote: str | None = None
    open_heredoc: str | None = None
    open_blocks: list[str] = field(default_factory=list)
    trailing_operator: str | None = None
    trailing_backslash: bool = False

    @property
    def complete(self) -> bool:
        return not (self.open_quote or self.open_heredoc or self.open_blocks
                    or self.trailing_operator or self.trailing_backslash)

    def problem(self) -> str | None:
        """A short human description of why the text is incomplete, or None."""
        if self.open_quote:
            return f"unterminated {self.open_quote}"
        if self.open_heredoc:
            return f"heredoc without its closing {self.open_heredoc!r} line"
        if self.open_blocks:
            return f"unclosed {self.open_blocks[-1]!r} block"
        if self.trailing_backslash:
            return "ends with a line continuation"
        if self.trailing_operator:
            return f"ends with {self.trailing_operator!r}"
        return None
