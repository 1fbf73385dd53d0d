"""A reply's words: templates rendered in a sandbox, checked, and a store's own wording (pure).

The words are Jinja2 templates shipped as package data, one file per template and language
(``templates/<lang>/<template>.txt.j2``), rendered in a sandbox with autoescape off (plain
text). Values are only ever *data*: a buyer's name of ``{{ 7*7 }}`` prints as typed. A
variable the reply needs and the context lacks never yields a half-filled reply: the draft
is not ready, names what to fill, and its text says so to the operator.

    >>> draft = render("stalled_2_carrier", "es", ReplyContext(buyer_first_name="Lucía"))
    >>> draft.ready, draft.missing[:2]
    (False, ('carrier', 'order_no'))

A store may override any template in any language from a folder (``load_overrides``),
checked when loaded; ``check_templates`` checks the shipped set the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Final

import jinja2
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from disputekit.domain.language.detect import LANGUAGES
from disputekit.domain.replies.context import VARIABLES, ReplyContext, _values
from disputekit.domain.replies.delays import DelayReason
from disputekit.domain.replies.plans import TEMPLATES
from disputekit.errors import TemplateError

__all__ = ["Draft", "Overrides", "check_templates", "load_overrides", "render"]

# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

_SUFFIX: Final = ".txt.j2"


def _path(lang: str, template: str) -> str:
    return f"{lang}/{template}{_SUFFIX}"


# French elides "que" before a vowel or a mute h: "qu'une grève", "que le colis".
_FRENCH_VOWEL = re.compile(r"[aeiouyhàâäéèêëîïôöùûüœæ]", re.IGNORECASE)


def que(text: str) -> str:
    """French "que" joined to the clause it introduces, elided where French elides it.

    >>> que("une grève a ralenti le tri"), que("le colis attend")
    ("qu'une grève a ralenti le tri", 'que le colis attend')
    """
    text = str(text)
    return f"qu'{text}" if _FRENCH_VOWEL.match(text) else f"que {text}"


def _environment(loader: jinja2.BaseLoader) -> ImmutableSandboxedEnvironment:
    # Plain text, so no HTML escaping; the sandbox keeps an override from reaching Python.
    # Block tags keep their line breaks (an inline greeting stays its own paragraph); the
    # blank lines a block on its own line leaves are folded by ``_tidy``.
    env = ImmutableSandboxedEnvironment(
        loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,
        lstrip_blocks=True, auto_reload=False)
    env.filters["que"] = que  # {{ carrier_explanation | que }}: French elision
    return env


@cache
def _package_loader() -> jinja2.PackageLoader:
    return jinja2.PackageLoader("disputekit.domain.replies", "templates")


@cache
def _package_environment() -> ImmutableSandboxedEnvironment:
    return _environment(_package_loader())


class _Blank(jinja2.Undefined):
    """A known variable without a value: false in ``{% if %}``, and printing it records the
    gap (so only what the reply really says counts as missing)."""

    __slots__ = ("_gaps",)

    def __init__(self, name: str, gaps: list[str]) -> None:
        super().__init__(name=name)
        self._gaps = gaps

    def __str__(self) -> str:
        name = self._undefined_name or ""
        if name not in self._gaps:
            self._gaps.append(name)
        return f"[[FILL IN: {VARIABLES.get(name, name)}]]"


@dataclass(frozen=True)
class Draft:
    """A reply ready to copy (``ready``), or a note to the operator naming what is missing.

    ``text`` is what may be sent: the reply itself, or, when not ready, only the note (so a
    half-filled reply cannot be copied out). ``preview`` always shows the reply, each gap
    marked ``[[FILL IN: …]]``.
    """

    template: str
    lang: str
    text: str
    missing: tuple[str, ...] = ()
    preview: str = ""

    @property
    def ready(self) -> bool:
        return not self.missing


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _render(env: jinja2.Environment, template: str, lang: str,
            context: ReplyContext) -> tuple[str, tuple[str, ...]]:
    gaps: list[str] = []
    values = {name: (value if value is not None else _Blank(name, gaps))
              for name, value in _values(context, lang).items()}
    try:
        text = env.get_template(_path(lang, template)).render(values)
    except jinja2.TemplateError as exc:
        raise TemplateError(f"reply template {_path(lang, template)} failed: {exc}; fix the "
                            "template (run check_templates / load_overrides)") from exc
    return _tidy(text), tuple(gaps)


def render(template: str, lang: str, context: ReplyContext,
           overrides: Overrides | None = None) -> Draft:
    """The reply ``template`` in ``lang`` for ``context``, the store's ``overrides`` first.

    >>> draft = render("cancel_request", "pl", ReplyContext(store_name="Volt", order_no=8123))
    >>> draft.ready, "8123" in draft.text
    (True, True)
    """
    if template not in TEMPLATES:
        raise TemplateError(f"no reply template {template!r}: use one of {', '.join(TEMPLATES)}")
    if lang not in LANGUAGES:
        raise TemplateError(f"no replies in {lang!r}: use one of {', '.join(LANGUAGES)}")
    env = overrides.environment if overrides is not None else _package_environment()
    body, missing = _render(env, template, lang, context)
    if not missing:
        return Draft(template, lang, body, (), body)
    wanted = "; ".join(f"{VARIABLES[name]} ({name})" for name in missing)
    note = f"NOT READY, do not send: fill in {wanted}, then draft it again."
    return Draft(template, lang, note, missing, body)


# ---------------------------------------------------------------------------------------------
# Checking templates, and a store's overrides
# ---------------------------------------------------------------------------------------------

_SAMPLE = ReplyContext(
    store_name="Volt Electronics", buyer_first_name="Lucía", order_no="3040123456789012",
    product_name="USB-C multimeter", carrier="AliExpress Standard Shipping",
    tracking_no="LP00123456789012", last_location="Hong Kong, HK",
    last_update=datetime(2026, 3, 12, 8, 30, tzinfo=UTC),
    delay_reason=DelayReason.FLIGHT_TRANSFER, amount=Decimal("18.90"), currency="USD",
    country="BR", usage_help="Hold the power button for three seconds.",
    pickup_place="Correios, Agência Centro, Curitiba", collect_by=date(2026, 3, 26),
    buyer_answered=True,
)
# The shipped country wordings and the general case, then nothing known at all.
_TRIALS: Final[tuple[ReplyContext, ...]] = (
    *(replace(_SAMPLE, country=country) for country in ("BR", "CL", "KR", "US")),
    ReplyContext(),
)


def _problems(sources: Mapping[tuple[str, str], str], where: Mapping[tuple[str, str], str],
              languages: Sequence[str]) -> list[str]:
    """What is wrong with a set of (language, template) sources, each problem with its file."""
    env = _environment(jinja2.DictLoader({_path(lang, name): source
                                          for (lang, name), source in sources.items()}))
    known = set(VARIABLES) | set(env.globals)
    problems: list[str] = []
    used: dict[str, dict[str, frozenset[str]]] = {}
    for key in sorted(sources):
        lang, name = key
        try:
            names = frozenset(meta.find_undeclared_variables(env.parse(sources[key])))
        except jinja2.TemplateSyntaxError as exc:
            problems.append(f"{where[key]}: line {exc.lineno}: {exc.message}")
            continue
        used.setdefault(name, {})[lang] = names
        unknown = sorted(names - known)
        if unknown:
            problems.append(f"{where[key]}: unknown variable(s) {', '.join(unknown)}; a reply "
                            f"may use only {', '.join(VARIABLES)}")
            continue
        for trial in _TRIALS:
            try:
                _render(env, name, lang, trial)
            except TemplateError as exc:
                problems.append(f"{where[key]}: does not render: {exc.__cause__}")
                break
    for name, by_lang in sorted(used.items()):
        absent = [lang for lang in languages if lang not in by_lang]
        if absent:
            problems.append(f"{name}: missing in {', '.join(absent)}; add "
                            f"{', '.join(_path(lang, name) for lang in absent)}")
        for variable in sorted(frozenset().union(*by_lang.values())):
            lacking = [lang for lang in by_lang if variable not in by_lang[lang]]
            if lacking:
                users = [lang for lang in by_lang if lang not in lacking]
                problems.append(f"{name}: {variable} is used in {', '.join(users)} but not "
                                f"in {', '.join(lacking)}; every language must say the same "
                                "facts")
    return problems


def _split(path: str) -> tuple[str, str] | None:
    lang, _, file = path.partition("/")
    if not file.endswith(_SUFFIX) or "/" in file:
        return None
    return lang, file.removesuffix(_SUFFIX)


def check_templates() -> list[str]:
    """Problems with the shipped templates: a template missing in a language, a variable
    one language uses and another lacks, unknown files or variables, a template that does
    not parse or render. Empty when all is well."""
    loader = _package_loader()
    env = _package_environment()
    problems: list[str] = []
    sources: dict[tuple[str, str], str] = {}
    for path in loader.list_templates():
        key = _split(path)
        if key is None or key[0] not in LANGUAGES or key[1] not in TEMPLATES:
            problems.append(f"templates/replies/{path}: not a template of a plan in a known "
                            f"language; expected <{'|'.join(LANGUAGES)}>/<template>{_SUFFIX}")
            continue
        sources[key] = loader.get_source(env, path)[0]
    for name in TEMPLATES:
        if not any(name == key[1] for key in sources):
            problems.append(f"{name}: no language has it; add templates/replies/<lang>/"
                            f"{name}{_SUFFIX}")
    where = {key: f"templates/replies/{_path(*key)}" for key in sources}
    return problems + _problems(sources, where, LANGUAGES)


@dataclass(frozen=True)
class Overrides:
    """A store's own wording: ``(lang, template) → source``, checked, with the environment
    that renders them (shipped templates for the rest)."""

    folder: Path
    sources: Mapping[tuple[str, str], str]
    environment: ImmutableSandboxedEnvironment = field(repr=False, compare=False)

    def covers(self, template: str, lang: str) -> bool:
        return (lang, template) in self.sources


def load_overrides(folder: str | Path, languages: Sequence[str] = LANGUAGES) -> Overrides:
    """Read and check a store's template overrides: ``<folder>/<lang>/<template>.txt.j2``.

    A store may override any template in any language; an overridden template must be
    given in each of ``languages`` (the languages the store answers in, all by default), use
    only known variables, and the same ones in each language. Raises ``TemplateError``
    listing every problem.
    """
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise TemplateError(f"template overrides folder {root} does not exist; create it, or "
                            "remove templates_dir from the store's parameters")
    unknown_languages = sorted(set(languages) - set(LANGUAGES))
    if unknown_languages:
        raise TemplateError(f"no replies in {', '.join(unknown_languages)}: languages must be "
                            f"among {', '.join(LANGUAGES)}")
    problems: list[str] = []
    sources: dict[tuple[str, str], str] = {}
    where: dict[tuple[str, str], str] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_dir() or any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        key = _split(relative)
        if key is None or key[0] not in LANGUAGES:
            problems.append(f"{path}: not <{'|'.join(LANGUAGES)}>/<template>{_SUFFIX}; move or "
                            "rename it")
            continue
        if key[1] not in TEMPLATES:
            problems.append(f"{path}: no template {key[1]!r} to override; use one of "
                            f"{', '.join(TEMPLATES)}")
            continue
        try:
            sources[key] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot be read as UTF-8 text ({exc})")
            continue
        where[key] = str(path)
    problems += _problems(sources, where, languages)
    if problems:
        raise TemplateError(f"template overrides in {root} are not usable:\n- "
                            + "\n- ".join(problems))
    loader = jinja2.ChoiceLoader([
        jinja2.DictLoader({_path(lang, name): source for (lang, name), source in sources.items()}),
        _package_loader(),
    ])
    return Overrides(root, dict(sources), _environment(loader))
