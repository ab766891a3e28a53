"""Finding, loading and rendering PIR templates (Jinja2, imported only when a PIR is rendered).

Kept apart from exporting so that rendering stays a pure function of state, template and clock:
tests and the TUI preview render without touching the incident directory.
"""

from __future__ import annotations

import functools
import os
import re
import traceback
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from markupsafe import Markup   # what Jinja's autoescape draws as it is (Jinja's own dependency)

from warroom.durations import format_duration
from warroom.errors import NotFoundError, WarroomError
from warroom.incident.pir_context import pir_context
from warroom.incident import md_text
from warroom.journal import numbers
from warroom.incident.pir_format import fmt_minutes, fmt_value, local_zone, zone_name
from warroom.incident.state import IncidentState
from warroom.paths import expand, shipped_templates_dir
from warroom.safe_text import safe_text

if TYPE_CHECKING:
    from warroom.config import Config


SUFFIX = ".md.j2"


class TemplateError(WarroomError):
    """A template that does not exist or does not render; the message names file and line."""


def template_dirs(config: Config | None) -> list[Path]:
    dirs = []
    if config is not None and config.incident.templates_dir:
        dirs.append(expand(config.incident.templates_dir))
    dirs.append(shipped_templates_dir())
    return dirs


def available_templates(config: Config | None) -> list[str]:
    names: list[str] = []
    for d in template_dirs(config):
        if d.is_dir():
            for p in sorted(d.glob(f"*{SUFFIX}")):
                name = p.name[: -len(SUFFIX)]
                if name not in names and not name.startswith("_"):
                    names.append(name)
    return names


def template_basename(template: str) -> str:
    """The file stem exports are named after: ``pir`` -> pir.md, ``~/t/weekly.md.j2`` -> weekly.md."""
    name = Path(template).name
    for suffix in (SUFFIX, ".j2", ".md"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


_ENVIRONMENTS: dict[tuple[tuple[str, ...], str], Any] = {}


def _environment(search: list[Path], zone: tzinfo) -> Any:
    """One Jinja environment per (template dirs, zone), kept for the process: templates are
    compiled once (Jinja re-reads a template whose file changed, so edits still show up)."""
    key = (tuple(str(d) for d in search), repr(zone))
    env = _ENVIRONMENTS.get(key)
    if env is None:
        env = _ENVIRONMENTS[key] = _new_environment(search, zone)
    return env


def environment(zone: tzinfo = UTC, search: list[Path] | None = None) -> Any:
    """The Jinja environment PIR templates render in (``search``: the template directories, by
    default the shipped ones), e.g. to render a template given as a string."""
    return _environment(search if search is not None else [shipped_templates_dir()], zone)


class MdMarkup(Markup):
    """Jinja's markup (a macro's output, a ``{% set %}`` block, ``|safe``) as a PIR template sees it
    once it meets another value: markupsafe's own operators and methods (``+``, ``%``, ``format``,
    ``join``, ``replace``, slicing) all escape the other operand through ``escape``, which here
    escapes it as markdown prose for its place (markdown already is kept). Jinja's ``Markup``
    escaped it for HTML only, so ``{{ my_macro() + note }}`` let the note's ``*``, ``[…](…)``,
    ``#`` and ``@name`` act (FINDINGS harness-3)."""

    __slots__ = ()

    @classmethod
    def escape(cls, s: Any, /) -> MdMarkup:
        if md_text.is_markdown(s):
            return s if type(s) is cls else cls(md_text.markdown_source(s))
        return cls(md_text.prose(safe_text("" if s is None else str(s))))


def as_markdown(value: Any) -> Any:
    """``value`` ready to be combined in a PIR template: Jinja's markup becomes :class:`MdMarkup`,
    whose operators escape the other side as markdown; anything else as it is (warroom's ``Md``
    combines as markdown already). The PIR environment applies it wherever a template combines
    values (binary ``+``/``%``, an attribute of a value, every Jinja filter's arguments), so no
    path meets markupsafe's HTML rule."""
    if isinstance(value, Markup) and type(value) is not MdMarkup:
        return MdMarkup(value)
    return value


def markdown_binop(op: str, left: Any, right: Any) -> Any:
    """Jinja's ``+`` and ``%`` in a PIR template. Between two plain values, the operator as ever
    (numbers, strings: the result is escaped whole where it is drawn). With a markdown operand on
    a side it combines as markdown: ``+`` as ``~`` does (:func:`markdown_join`), ``%`` through
    :class:`MdMarkup` (each argument escaped as prose, a number's ``%d``/``%.1f`` as a number)."""
    if op == "+":
        if isinstance(left, str) and isinstance(right, str) and (md_text.is_markdown(left) or md_text.is_markdown(right)):
            return markdown_join((left, right))
        return left + right
    return as_markdown(left) % right


def markdown_join(parts: Any) -> Any:
    """Jinja's ``~`` and ``|join`` in a PIR template. With no operand markdown already, a plain
    string (escaped whole where it is drawn, as before). With one (a macro's or a ``{% set %}``
    block's output, ``|safe``, a filter's ``Md``), markdown: those as they are, every other operand
    escaped as prose for its place. Jinja's own join escaped the others with markupsafe, for HTML
    only: ``{{ my_macro() ~ note }}`` let the note's ``*``, ``[…](…)``, ``#`` and ``@name`` act."""
    items = list(parts)
    if not any(md_text.is_markdown(p) for p in items):
        return "".join(map(str, items))
    return MdMarkup("".join(md_text.markdown_source(p) if md_text.is_markdown(p) else md_text.prose(safe_text(str(p)))
                            for p in items))


def _markdown_filter(fn: Any) -> Any:
    """A Jinja filter whose markdown arguments are :class:`MdMarkup` (``|format``, ``|truncate``'s
    end, …): the filter's own Markup operations then escape raw text as markdown. Jinja's pass
    markers (``jinja_pass_arg``) are kept by ``functools.wraps``."""
    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return fn(*map(as_markdown, args), **{k: as_markdown(v) for k, v in kwargs.items()})
    return wrapped


def _replace(s: Any, old: Any, new: Any, count: int | None = None) -> Any:
    """``|replace`` in a PIR template: with markdown on any side, the value and the replacement are
    markdown (raw text escaped as prose) and ``old`` is looked for as it reads there; Jinja's
    escaped a plain value for HTML when the replacement was markup."""
    if not any(md_text.is_markdown(v) for v in (s, old, new)):
        return str(s).replace(str(old), str(new), -1 if count is None else count)
    return MdMarkup.escape(s).replace(str(MdMarkup.escape(old)), MdMarkup.escape(new), -1 if count is None else count)


def _indent(s: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> Any:
    """``|indent`` in a PIR template: an indent given as text is escaped as prose before markdown
    lines take it (Jinja made it Markup unescaped)."""
    from jinja2.filters import do_indent

    if isinstance(width, str) and md_text.is_markdown(s) and not md_text.is_markdown(width):
        width = MdMarkup.escape(width)
    return do_indent(as_markdown(s), width, first, blank)


def _after_text(value: Any, tail: str) -> Any:
    """The ``md_after`` filter the PIR environment puts on a value the template prints right after
    its own text ``tail``: the value as it would be drawn, with a zero-width space where a GitHub
    convenience the text began runs on into it (:func:`md_text.github_after`)."""
    shown = _finalize(value)
    if shown is None or isinstance(shown, bool):
        return shown
    text = str(shown)
    guarded = md_text.github_after(tail, text)
    return shown if guarded == text else Markup(guarded)


def _in_code_or_link(line: str) -> bool:
    """Whether template text ``line`` (one output line so far) ends inside a code span, a link's
    destination ``](…`` or an angle-bracket autolink ``<…``: places GitHub finds no convenience in,
    or where the template writes a link it means."""
    if line.count("`") % 2:
        return True
    dest, angle = line.rfind("]("), line.rfind("<")
    return dest >= 0 and ")" not in line[dest:] or angle >= 0 and ">" not in line[angle:]


def _junction_guard() -> Any:
    """A Jinja extension (the documented ``filter_stream`` hook) that pipes every ``{{ … }}`` the
    template's own text leads into a GitHub convenience (``[#{{ x.seq }}]``, ``GH-{{ n }}``,
    ``@{{ name }}``; also after a ``{{ "[#" }}`` of a string alone) through ``md_after``: a value
    is data from the journal, and data never completes a reference, a mention or a link that
    pings or back-links on GitHub (cites-1), whatever the template writes. Inside a code span or a
    fenced block (GitHub acts on nothing there), or a link's destination the template writes
    (``[x](https://wiki/page#{{ anchor }})``, ``<mailto:a@{{ domain }}>``: a link it means), the
    value is left as it is."""
    from jinja2.ext import Extension
    from jinja2.lexer import Token

    class JunctionGuard(Extension):
        def filter_stream(self, stream: Any) -> Any:
            line = ""          # the template's own text on the current output line so far
            fenced = False
            block: list[Any] | None = None
            for tok in stream:
                if tok.type == "data":
                    for piece in tok.value.splitlines(keepends=True):
                        if piece.endswith(("\n", "\r")):
                            if piece.lstrip(" ").startswith(("```", "~~~")):
                                fenced = not fenced
                            line = ""
                        else:
                            line += piece
                    yield tok
                elif tok.type == "variable_begin":
                    block = [tok]
                elif block is not None and tok.type == "variable_end":
                    inner = block[1:]
                    open_tail = md_text.OPEN_TAIL.search(line[-8:]) is not None
                    if open_tail and not fenced and not _in_code_or_link(line):
                        lineno = block[0].lineno
                        yield block[0]
                        yield Token(lineno, "lparen", "(")
                        yield from inner
                        yield from (Token(lineno, "rparen", ")"), Token(lineno, "pipe", "|"),
                                    Token(lineno, "name", "md_after"), Token(lineno, "lparen", "("),
                                    Token(lineno, "string", line[-8:]), Token(lineno, "rparen", ")"))
                    else:
                        yield from block
                    line = line + inner[0].value if len(inner) == 1 and inner[0].type == "string" else line
                    block = None
                    yield tok
                elif block is not None:
                    block.append(tok)
                else:
                    yield tok

    return JunctionGuard


def _environment_class() -> Any:
    """``jinja2.Environment`` whose templates compile ``~`` to :func:`markdown_join`, ``+`` and ``%``
    to :func:`markdown_binop` (through the documented ``code_generator_class``; the generated code
    reaches them as ``environment``'s) and whose ``getattr``/``getitem`` hand a markdown value's
    methods (``.format``, ``.join``, ``.replace``) as :class:`MdMarkup`'s."""
    import jinja2
    from jinja2.compiler import CodeGenerator, Frame
    from jinja2.nodes import BinExpr, Concat

    class MarkdownCodeGenerator(CodeGenerator):
        def visit_Concat(self, node: Concat, frame: Frame) -> None:
            self.write("environment.markdown_join((")
            for arg in node.nodes:
                self.visit(arg, frame)
                self.write(", ")
            self.write("))")

        def _markdown_binop(self, op: str, node: BinExpr, frame: Frame) -> None:
            self.write(f"environment.markdown_binop({op!r}, ")
            self.visit(node.left, frame)
            self.write(", ")
            self.visit(node.right, frame)
            self.write(")")

        def visit_Add(self, node: BinExpr, frame: Frame) -> None:
            self._markdown_binop("+", node, frame)

        def visit_Mod(self, node: BinExpr, frame: Frame) -> None:
            self._markdown_binop("%", node, frame)

    class MarkdownEnvironment(jinja2.Environment):
        code_generator_class = MarkdownCodeGenerator
        markdown_join = staticmethod(markdown_join)
        markdown_binop = staticmethod(markdown_binop)

        def getattr(self, obj: Any, attribute: str) -> Any:
            return super().getattr(as_markdown(obj), attribute)

        def getitem(self, obj: Any, argument: Any) -> Any:
            return super().getitem(as_markdown(obj), argument)

    return MarkdownEnvironment


def _new_environment(search: list[Path], zone: tzinfo) -> Any:
    """Autoescape on, with markdown's escaping (:mod:`warroom.incident.md_text`): every value a
    template prints goes through ``_finalize``, which escapes it as prose unless it is markdown
    already (a filter's result, a macro's output, review text warroom composed as ``Md``). Jinja's
    HTML filters are replaced: ``e``/``escape``/``forceescape`` escape for markdown, ``tojson``
    gives text (escaped where drawn), ``urlize`` and ``xmlattr`` (raw HTML) are not there; ``~``
    and ``|join`` escape a raw operand for markdown beside a markdown one (:func:`markdown_join`)."""
    import jinja2
    from jinja2.filters import make_attrgetter

    env = _environment_class()(
        loader=jinja2.FileSystemLoader([str(d) for d in search]),
        undefined=jinja2.StrictUndefined, autoescape=True, keep_trailing_newline=True,
        trim_blocks=True, lstrip_blocks=True, finalize=_finalize, extensions=[_junction_guard()],
    )

    def utc(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S UTC") -> str:
        return _strftime(at.astimezone(UTC), fmt) if at is not None else "n/a"

    def hhmm(at: datetime | None) -> str:
        return _strftime(at.astimezone(UTC), "%H:%M") if at is not None else "--:--"

    def local(at: datetime | None, fmt: str = "%H:%M %Z") -> str:
        return _strftime(at.astimezone(zone), fmt) if at is not None else "n/a"

    def utc_row(at: datetime | None, above: datetime | None = None, day: str = "", fmt: str = "%H:%M:%S") -> str:
        return _row_time(at, above, day, fmt, UTC)

    def local_row(at: datetime | None, above: datetime | None = None, day: str = "", fmt: str = "%H:%M") -> str:
        return _row_time(at, above, day, fmt, zone)

    def dur(seconds: float | None) -> str:
        return format_duration(seconds) if seconds is not None else "n/a"

    def yesno(value: bool | None, yes: str = "yes", no: str = "no", unknown: str = "n/a") -> str:
        return unknown if value is None else (yes if value else no)

    from warroom.incident.review.lines import cite      # `[#3, #7]` (a code span): the one cite writer

    def tojson(value: Any, indent: int | None = None) -> str:
        # the codec's "+Inf", as the journal and every --json write it; never a bare Infinity (inf-4)
        return numbers.dumps(value, indent=indent, sort_keys=True, default=str)

    @jinja2.pass_eval_context
    def join(eval_ctx: Any, value: Any, d: str = "", attribute: str | int | None = None) -> Any:
        items = list(map(make_attrgetter(eval_ctx.environment, attribute), value) if attribute is not None else value)
        return markdown_join(part for i, item in enumerate(items) for part in ((d, item) if i else (item,)))

    for name, builtin in list(env.filters.items()):     # Jinja's own: markdown arguments as MdMarkup
        env.filters[name] = _markdown_filter(builtin)
    env.filters.update(cite=cite, utc=utc, hhmm=hhmm, local=local, dur=dur, minutes=fmt_minutes, join=join,
                       utc_row=utc_row, local_row=local_row,
                       cell=md_text.cell, inline=md_text.inline, code=md_text.code, fence=md_text.fence,
                       value=fmt_value, yesno=yesno, sentence=md_text.sentence, replace=_replace, indent=_indent, md_after=_after_text,
                       e=md_text.inline, escape=md_text.inline, forceescape=md_text.inline, tojson=tojson)
    for html_only in ("urlize", "xmlattr"):
        env.filters.pop(html_only, None)
    return env


def _finalize(value: Any) -> Any:
    """Every ``{{ … }}`` a template prints passes here (Jinja's ``finalize``), whichever field a
    template uses or a new one adds: no value — a title, a note, a command, an excerpt — reaches
    the draft with a control character or an escape sequence, and none that is not markdown
    already (``Md``, a filter's result, a macro's output) is drawn as anything but its text."""
    if type(value) is str:      # the common case first: thousands per draft
        return Markup(md_text.prose(safe_text(value)))
    if value is None or isinstance(value, (int, float, bool)):
        return value
    if md_text.is_markdown(value):
        return Markup(safe_text(md_text.markdown_source(value)))
    return Markup(md_text.prose(safe_text(value)))


def _strftime(at: datetime, fmt: str) -> str:
    """strftime with fast paths for the formats a timeline uses thousands of times."""
    if fmt == "%H:%M:%S":
        return f"{at.hour:02d}:{at.minute:02d}:{at.second:02d}"
    if fmt == "%H:%M":
        return f"{at.hour:02d}:{at.minute:02d}"
    return at.strftime(fmt)


def _row_time(at: datetime | None, above: datetime | None, day: str, fmt: str, zone: tzinfo) -> str:
    """A row's time in a chronological list (the timeline, the key moments) in ``zone``, its day first
    where the day is not the row above's (``above``; the first row's is the header's Date ``day``,
    ``YYYY-MM-DD``): an incident that crosses midnight said 23:58 then 00:03 under one Date, and a
    reader dated every row after midnight a day early. Most rows share their day: the fast path."""
    if at is None:
        return "n/a"
    here = at.astimezone(zone)
    if above is not None:
        new_day = here.date() != above.astimezone(zone).date()
    else:
        new_day = bool(day) and here.date().isoformat() != day
    return _strftime(here, fmt) if not new_day else here.strftime(f"%Y-%m-%d {fmt}")


def _load_template(template: str, config: Config | None, zone: tzinfo) -> Any:
    import jinja2

    as_path = expand(template)
    if template.endswith(".j2") and (os.sep in template or as_path.is_file()):
        if not as_path.is_file():
            raise NotFoundError(f"{as_path}: template file not found")
        env = _environment([as_path.parent], zone)
        name = as_path.name
    else:
        search = template_dirs(config)
        env = _environment(search, zone)
        name = template if template.endswith(".j2") else template + SUFFIX
    try:
        return env.get_template(name)
    except jinja2.TemplateNotFound:
        looked = ", ".join(str(d) for d in template_dirs(config))
        have = ", ".join(available_templates(config)) or "none"
        raise NotFoundError(f"no PIR template {template!r} (looked in {looked}); available: {have}") from None
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or name
        raise TemplateError(f"{where}:{exc.lineno}: template syntax error: {exc.message}") from None


def render_pir(state: IncidentState, template: str, config: Config | None, now: datetime,
               runbook_steps: list[dict[str, Any]] | None = None, typed: Sequence[Any] = ()) -> str:
    """Render one template for this state; errors name the template file and line. ``typed``: what was done
    outside the runbook's steps in the drill shell (``pir.drill_shell``), for the timeline."""
    import jinja2

    zone = local_zone(config)
    tmpl = _load_template(template, config, zone)
    ctx = pir_context(state, config, now, runbook_steps, typed)
    ctx["zone"] = zone_name(zone, state.clock_start)
    try:
        # finalize cleaned every value; the whole draft once more covers a template's own text.
        return tidy_markdown(safe_text(str(tmpl.render(**ctx))))
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{_where(exc, tmpl)}: template error: {exc}") from None
    except (TypeError, ValueError, KeyError, AttributeError, ArithmeticError) as exc:
        raise TemplateError(f"{_where(exc, tmpl)}: template error: {type(exc).__name__}: {exc}") from None


_FENCE = re.compile(r"`{3,}|~{3,}")


def tidy_markdown(text: str) -> str:
    """Collapse runs of blank lines (template whitespace) outside fenced code blocks; end with one
    newline. Lets templates stay readable without fighting Jinja's whitespace rules."""
    out: list[str] = []
    fence: str | None = None
    blank = True  # drop blank lines at the very top
    for line in text.splitlines():
        stripped = line.lstrip()
        if fence is None and stripped.startswith(("```", "~~~")):
            fence = _FENCE.match(stripped).group()  # type: ignore[union-attr]
        elif fence is not None and stripped.startswith(fence) and not stripped.strip(fence[0]).strip():
            fence = None    # only a run of the opening fence's character, at least as long, closes it
        elif fence is None and not line.strip():
            if blank:
                continue
            blank = True
            out.append("")
            continue
        blank = False
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out) + "\n"


def _where(exc: BaseException, tmpl: Any) -> str:
    """file:line of the innermost template frame in the traceback (Jinja maps lines back)."""
    filename = tmpl.filename or tmpl.name
    line = getattr(exc, "lineno", None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    return f"{filename}:{line}" if line else str(filename)
