"""A store's parameters: ``parameters/<store_id>.yaml``, validated.

A store names the *environment variables* that hold its credentials; the values never
appear in a parameters file, a notebook, an output or a log. Papermill passes a notebook
only the store id (and a run date); the notebook loads the rest from here.

Example::

    store_id: volt
    name: Volt Electronics
    api:
      base_url: http://127.0.0.1:8765/sync
      app_key_env: DISPUTEKIT_APP_KEY
      app_secret_env: DISPUTEKIT_APP_SECRET
      access_token_env: DISPUTEKIT_VOLT_TOKEN
      # optional: requests_per_second (per app key, default 10), concurrency (requests
      # in flight per store during a sync, default 8)
    seventeentrack:            # optional: 17TRACK as a second tracking source; absent = off
      api_key_env: DISPUTEKIT_17TRACK_KEY
      base_url: https://api.17track.net/track/v2.2
"""

from __future__ import annotations

import os
import re
import reprlib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from disputekit.adapters.aliexpress import Credentials
from disputekit.errors import MissingCredentialError, ParametersError, UnknownStoreError

STORE_ID = r"^[a-z][a-z0-9_-]{0,39}$"
ENV_NAME = r"^[A-Z][A-Z0-9_]*$"
EnvVarName = Annotated[str, Field(pattern=ENV_NAME)]

# Keys that people put in parameters by mistake, with what to do instead.
_SECRET_HINTS = {
    "app_secret": "app_secret_env",
    "secret": "app_secret_env",
    "access_token": "access_token_env",
    "token": "access_token_env",
    "app_key": "app_key_env",
    "session": "access_token_env",
    "api_key": "api_key_env",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _checked_url(value: str, example: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value) or any(
            c.isspace() or not c.isprintable() for c in value):
        raise ValueError(f"must be {example}, without spaces")
    try:  # what the client will send to: refuse now what it could not use later
        url = httpx.URL(value)
        port = url.port
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise ValueError(f"must be {example} ({exc})") from None
    if not re.match(r"^([A-Za-z0-9._-]+|[0-9A-Fa-f:.]+)$", url.host) \
            or (port is not None and not 0 < port < 65536):
        raise ValueError(f"must be {example}: {url.host!r}:{port} is not a host and port")
    return value


class ApiParameters(_Strict):
    base_url: str = "https://api-sg.aliexpress.com/sync"
    sign_method: Literal["sha256", "md5", "hmac", "hmac-sha256"] = "sha256"
    simplify: bool = False
    app_key_env: EnvVarName
    app_secret_env: EnvVarName
    access_token_env: EnvVarName
    refresh_token_env: EnvVarName | None = None  # lets a sync survive an expired token
    timeout_seconds: float = Field(default=30.0, ge=0.1, le=600, allow_inf_nan=False)
    page_size: int = Field(default=50, ge=1, le=50)
    # Shared by every store with the same app key. No limit is published for the issue
    # APIs; 10/s is a cautious default for the real gateway (reference §3.3). Below 0.5 a
    # sync of a few dozen disputes waits for hours (0.001 waited 17 minutes a call), and
    # 1e-300 overflowed the wait; ``null`` means no limit.
    requests_per_second: float | None = Field(default=10.0, ge=0.5, le=10_000,
                                              allow_inf_nan=False)
    # Requests in flight at once for this store during a sync. One at a time, a request
    # waits out the round trip (~150-300 ms to Singapore) and a store reaches only a
    # fraction of ``requests_per_second``; a few in flight fill the budget, which still
    # caps the rate. 1 is the old one-at-a-time behaviour.
    concurrency: int = Field(default=8, ge=1, le=32)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _checked_url(value, "an http(s) URL such as https://api-sg.aliexpress.com/sync")


class SeventeenTrackParameters(_Strict):
    """17TRACK as a second tracking source (reference/tracking-api.md §1).

    The sync registers the parcels of open disputes (1 quota each, once: the registration
    ledger in the database remembers them) and reads their tracking beside the platform's.
    The API key is read from the environment variable ``api_key_env`` names.
    """

    api_key_env: EnvVarName
    base_url: str = "https://api.17track.net/track/v2.2"
    # 17TRACK allows about 3 requests a second per key (§1.1).
    rate_per_second: float = Field(default=3.0, ge=0.1, le=50, allow_inf_nan=False)
    # Warn (log and sync record) when fewer registrations than this are left.
    quota_warning_at: int = Field(default=10, ge=0, le=10_000_000)
    timeout_seconds: float = Field(default=30.0, ge=0.1, le=600, allow_inf_nan=False)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = _checked_url(value, "an http(s) URL such as https://api.17track.net/track/v2.2")
        if not value.rstrip("/").endswith("/track/v2.2"):
            raise ValueError("must end in /track/v2.2 (the API version this client speaks)")
        return value


class TrackingParameters(_Strict):
    # Stall and claim thresholds per lane, "Carrier:CC" (or "Carrier:*", "*:CC"), days:
    # {"Cainiao:BR": {"stalled_days": 14}}. Defaults come from reference/tracking-api.md §4.2.
    lanes: dict[str, dict[str, float]] = Field(default_factory=dict)

    @field_validator("lanes")
    @classmethod
    def _known_thresholds(cls, lanes: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        from disputekit.domain.stalls import LaneThresholds

        for lane, values in lanes.items():
            if ":" not in lane:
                raise ValueError(f"lane {lane!r} must look like 'Cainiao:BR', 'Cainiao:*' or "
                                 "'*:BR'")
            try:
                LaneThresholds(**values)
            except TypeError:
                known = ", ".join(f for f in LaneThresholds.__dataclass_fields__)
                raise ValueError(f"lane {lane!r}: unknown threshold; known: {known}") from None
            except ParametersError as exc:  # pydantic reports ValueErrors with the field
                raise ValueError(f"lane {lane!r}: {exc}") from None
        return lanes


class TriageParameters(_Strict):
    # "current": the platform steps in 7 days after opening; "legacy": the 16-day rule.
    escalation_rule: Literal["current", "legacy"] = "current"
    # Overrides of decisions.CostModel: currency, per_usd, cost_of_goods {product_id: cost},
    # cost_of_goods_share, gift_cost, arbitration_cost, win_chance {class: 0..1}, ...
    costs: dict[str, Any] = Field(default_factory=dict)

    @field_validator("costs")
    @classmethod
    def _valid_costs(cls, costs: dict[str, Any]) -> dict[str, Any]:
        from disputekit.domain.decisions import CostModel

        known = set(CostModel.__dataclass_fields__)
        unknown = sorted(set(costs) - known)
        if unknown:
            raise ValueError(f"unknown cost field(s) {unknown}; known: {sorted(known)}")
        try:
            CostModel().with_overrides(**costs)
        except (TypeError, ValueError) as exc:
            raise ValueError(str(exc)) from None
        return costs

    def cost_model(self) -> Any:  # decisions.CostModel; Any keeps this module light
        from disputekit.domain.decisions import CostModel

        return CostModel().with_overrides(**self.costs)


class RepliesParameters(_Strict):
    # A folder of the store's own wording, <lang>/<template>.txt.j2, relative to the
    # parameters folder and inside the workspace (the parameters folder's parent); checked
    # when the parameters load.
    templates_dir: str | None = Field(default=None, max_length=1000)
    # The languages the store answers in (an override must exist in each).
    languages: list[str] = Field(default_factory=lambda: ["en", "ru", "es", "pt_BR", "fr",
                                                          "pl"])


class StoreParameters(_Strict):
    store_id: Annotated[str, Field(pattern=STORE_ID)]
    name: str = Field(min_length=1)
    api: ApiParameters
    tracking: TrackingParameters = TrackingParameters()
    triage: TriageParameters = TriageParameters()
    replies: RepliesParameters = RepliesParameters()
    seventeentrack: SeventeenTrackParameters | None = None

    def seventeentrack_key(self, env: Mapping[str, str] | None = None) -> str:
        """The 17TRACK API key from the environment; the store must have ``seventeentrack``."""
        if self.seventeentrack is None:
            raise ParametersError(f"store {self.store_id!r} has no 'seventeentrack' parameters")
        env = os.environ if env is None else env
        name = self.seventeentrack.api_key_env
        if not env.get(name):
            raise MissingCredentialError(
                f"store {self.store_id!r}: environment variable {name} (the 17TRACK API key "
                f"named by seventeentrack.api_key_env) is not set. Export it (`export "
                f"{name}=...`, the key from the 17TRACK API dashboard), or remove the "
                "'seventeentrack' section to sync without 17TRACK; `make demo` sets the "
                "simulator's.")
        return env[name]

    def credentials(self, env: Mapping[str, str] | None = None) -> Credentials:
        """Read this store's credentials from the environment (never from a file)."""
        env = os.environ if env is None else env
        missing = [
            name for name in (self.api.app_key_env, self.api.app_secret_env,
                              self.api.access_token_env)
            if not env.get(name)
        ]
        if missing:
            raise MissingCredentialError(
                f"store {self.store_id!r}: environment variable(s) {', '.join(missing)} not set. "
                f"Export them (e.g. `export {missing[0]}=...`) before running; for the demo "
                "stores `make demo` sets them."
            )
        refresh = env.get(self.api.refresh_token_env, "") if self.api.refresh_token_env else ""
        return Credentials(
            app_key=env[self.api.app_key_env],
            app_secret=env[self.api.app_secret_env],
            access_token=env[self.api.access_token_env],
            refresh_token=refresh,
        )


def parse_store(data: Any, source: str, expected_id: str | None = None) -> StoreParameters:
    """Validate one store's parameters; errors name the file, the field and the fix."""
    if not isinstance(data, dict):
        raise ParametersError(
            f"{source}: expected a mapping of keys (store_id, name, api, ...), "
            f"got {type(data).__name__}"
        )
    try:
        store = StoreParameters.model_validate(data)
    except ValidationError as exc:
        raise ParametersError(f"{source} is invalid:\n" + _explain(exc)) from None
    if expected_id is not None and store.store_id != expected_id:
        raise ParametersError(
            f"{source}: store_id is {store.store_id!r} but the file is named for "
            f"{expected_id!r}; rename the file to {store.store_id}.yaml or fix store_id"
        )
    return store


# A value shown in an error: a few items, a few levels, a short string. ``repr()`` of the
# whole value walked everything an alias expanded to (a 539-byte file, gigabytes).
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxdict, _SHORT.maxlist, _SHORT.maxtuple = 2, 3, 3, 3
_SHORT.maxstring, _SHORT.maxlong, _SHORT.maxother = 50, 40, 50


def _explain(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        key = str(err["loc"][-1]) if err["loc"] else ""
        kind = err["type"]
        if kind == "missing":
            lines.append(f"  - missing field '{where}': add it")
        elif kind == "extra_forbidden":
            hint = _SECRET_HINTS.get(key)
            if hint:
                lines.append(
                    f"  - unknown key '{where}': credentials never go in parameters; put the "
                    f"value in an environment variable and name it with '{hint}'"
                )
            else:
                lines.append(f"  - unknown key '{where}': remove it or check its spelling")
        else:
            shown = _SHORT.repr(err.get("input"))[:80]  # bounded work, whatever the value
            lines.append(f"  - wrong value for '{where}': {err['msg']} (got {shown})")
    return "\n".join(lines)


def load_file(path: Path) -> StoreParameters:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ParametersError(f"{path}: cannot be read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ParametersError(
            f"{path}: not UTF-8 text (byte {exc.start} cannot be read); save the file as "
            "UTF-8 in your editor") from None
    try:
        data = _read_yaml(text, path)
    except yaml.YAMLError as exc:
        raise ParametersError(f"{path}: not valid YAML ({exc})") from exc
    except (ValueError, OverflowError, RecursionError) as exc:
        # PyYAML builds dates and numbers itself: "2026-13-01" raises ValueError, not a
        # YAMLError. Quote such values to keep them as text.
        raise ParametersError(
            f"{path}: a value cannot be read ({exc}); put quotes around dates and numbers "
            "that are meant as text") from None
    store = parse_store(data, str(path), expected_id=path.stem)
    try:
        reply_overrides(store, path.parent)  # a broken override is a parameters error, now
    except ParametersError as exc:
        raise ParametersError(f"{path}: {exc}") from exc
    return store


# The most YAML nodes a parameters file may stand for once its aliases are expanded. A big
# store's file (hundreds of lanes and products' costs) is a few thousand; an alias bomb of
# nine aliases nine levels deep is hundreds of millions.
MAX_YAML_NODES = 100_000


def _read_yaml(text: str, path: Path) -> Any:
    """``yaml.safe_load(text)``, refusing a document whose aliases expand past
    ``MAX_YAML_NODES`` (or into themselves) before anything is built from it."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, MAX_YAML_NODES) > MAX_YAML_NODES:
            raise ParametersError(
                f"{path}: its aliases (*name) expand to more than {MAX_YAML_NODES:,} values "
                "(or into themselves); write the values out, or use fewer aliases")
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """How many nodes ``root`` stands for with every alias expanded, counted up to just
    past ``limit``: each distinct node once (an alias is the node it names), no recursion,
    a cycle counted as past the limit."""
    def children(node: yaml.Node) -> list[yaml.Node]:
        if isinstance(node, yaml.MappingNode):
            return [part for pair in node.value for part in pair]
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        return []

    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            sizes[key] = min(limit + 1, 1 + sum(sizes[id(c)] for c in children(node)))
            on_path.discard(key)
            continue
        if key in sizes:
            continue
        if key in on_path:  # an alias inside the node it names: endless
            return limit + 1
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children(node) if id(c) not in sizes)
    return sizes[id(root)]


def reply_overrides(store: StoreParameters, parameters_dir: Path) -> Any:
    """The store's checked reply overrides (``replies.Overrides``), or None."""
    if not store.replies.templates_dir:
        return None
    from disputekit.domain.replies import load_overrides
    from disputekit.errors import TemplateError

    try:
        folder = (parameters_dir / store.replies.templates_dir).resolve()
        workspace = parameters_dir.resolve().parent
        if Path(store.replies.templates_dir).is_absolute() \
                or not folder.is_relative_to(workspace):
            # Outside, it would read (and list in its errors) any folder: /etc, a home.
            raise ParametersError(
                f"store {store.store_id!r}: replies.templates_dir must be a folder inside the "
                f"workspace ({workspace}), given relative to the parameters folder, such as "
                "'replies/volt'")
        return load_overrides(folder, store.replies.languages)
    except TemplateError as exc:
        raise ParametersError(f"store {store.store_id!r}: replies.templates_dir: {exc}") from exc
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte in it...
        raise ParametersError(
            f"store {store.store_id!r}: replies.templates_dir cannot be a folder here "
            f"({exc.__class__.__name__}: {str(exc)[:120]}); give the path of the folder of "
            "reply templates, relative to the parameters folder") from None


def store_files(parameters_dir: Path) -> list[Path]:
    return sorted(p for p in parameters_dir.glob("*.yaml") if not p.name.startswith("."))


def check_store_id(store_id: str) -> str:
    """``store_id`` if it is a valid store id, else ``UnknownStoreError``.

    A store id becomes file names (``parameters/<id>.yaml``, ``runs/<date>/<id>.log``...),
    so anything else ('../x', 'a/b', a trailing newline) is refused before a path is built.

    >>> check_store_id("volt")
    'volt'
    >>> check_store_id("../volt")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    disputekit.errors.UnknownStoreError: '../volt' is not a valid store id ...
    """
    if not isinstance(store_id, str) or not re.fullmatch(STORE_ID, store_id):
        raise UnknownStoreError(
            f"{store_id!r} is not a valid store id (lower-case letters, digits, '-', '_', "
            "at most 40, starting with a letter)"
        )
    return store_id


def load_store(store_id: str, parameters_dir: Path) -> StoreParameters:
    """The parameters of one store; ``UnknownStoreError`` lists the stores that exist."""
    check_store_id(store_id)
    path = parameters_dir / f"{store_id}.yaml"
    if not path.exists():
        known = ", ".join(p.stem for p in store_files(parameters_dir)) or "none"
        raise UnknownStoreError(
            f"unknown store {store_id!r}: there is no {path}. Known stores: {known}. "
            "Add a parameters file for it, or fix the store id."
        )
    return load_file(path)


def load_all(parameters_dir: Path) -> list[StoreParameters]:
    """Every store under ``parameters_dir``; the first invalid file raises."""
    if not parameters_dir.is_dir():
        raise ParametersError(f"no parameters folder at {parameters_dir}")
    return [load_file(p) for p in store_files(parameters_dir)]
