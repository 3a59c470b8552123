"""Who is using the explorer: an OpenID Connect sign-in through `st.login`, or the one local user.

Two modes, decided by the secrets file `lineage explore` hands to Streamlit:
- **Sign-in**: the file has an `[auth]` section (any OIDC provider: Keycloak, Entra ID, Okta,
  Login.gov). Streamlit and Authlib run the flow; the role comes from the admins' role mapping
  (subject or e-mail → role) or else from a claim of the ID token (`[lineage] role_claim`, default
  `role`). An admin's mapping wins over the claim so an admin can demote someone at once, without
  waiting for the identity provider. A signed-in user with no role gets no data.
- **Local mode**: no `[auth]`. `lineage explore` then serves 127.0.0.1 only, as one local user whose
  role it passes in `LINEAGE_EXPLORE_ROLE`; every page says so. The app refuses to run without that
  variable (a bare `streamlit run` gets no data) and unless Streamlit's `server.address` is a
  loopback address (unset means every interface), so a hand-made command line cannot open it up.

There is no password anywhere: identities come from the agency's provider or the local account.
"""

from __future__ import annotations

import getpass
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import streamlit as st

from graph.access import Principal, Role
from graph.config import Settings

ROLE_ENV = "LINEAGE_EXPLORE_ROLE"
USER_ENV = "LINEAGE_EXPLORE_USER"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
DEFAULT_CLAIM = "role"
PRINCIPAL_KEY = "_lineage_principal"  # session state; no widget uses this key


def read_secrets(path: Path) -> dict[str, Any]:
    """The secrets file as a dict ({} when there is none); a broken file is an error, not "no auth"."""
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from exc


def auth_problems(secrets: Mapping[str, Any]) -> list[str] | None:
    """None when there is no `[auth]` section (local mode); else what is missing in it ([] when ready).

    A named provider (`[auth.keycloak]`, chosen by `[lineage] provider`) is checked instead of the
    top level when one is set.
    """
    auth = secrets.get("auth")
    if not auth:
        return None
    provider = secrets.get("lineage", {}).get("provider")
    section = {**auth, **auth.get(provider, {})} if provider else auth
    return [f"[auth] {key}" for key in AUTH_KEYS if not section.get(key)]


def mapping_path(secrets: Mapping[str, Any], settings: Settings | None = None) -> Path:
    """Where the admins' role mapping lives: `[lineage] role_mapping`, else beside the database."""
    configured = secrets.get("lineage", {}).get("role_mapping")
    if configured:
        return Path(configured)
    db = (settings or Settings()).db_path
    return db.with_name(db.name + ".roles.json")


def read_mapping(path: Path) -> dict[str, Role]:
    """Subject or e-mail → role. A missing file is an empty mapping; a bad entry is an error."""
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object of subject or e-mail → role")
    try:
        return {str(who): Role(str(role)) for who, role in raw.items()}
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}; roles are {', '.join(r.value for r in Role)}") from exc


def write_mapping(path: Path, mapping: Mapping[str, Role]) -> None:
    """Replace the mapping atomically, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({k: Role(v).value for k, v in sorted(mapping.items())}, indent=2) + "\n",
                   encoding="utf-8")
    tmp.replace(path)


def role_of(user: Mapping[str, Any], claim: str, mapping: Mapping[str, Role]) -> Role | None:
    """The role of a signed-in user: the admins' mapping (subject, then e-mail), else the claim.

    A claim may be one role or a list of them (Keycloak and Entra ID send lists); a list naming
    more than one of our roles is ambiguous and gives no role, so an admin has to decide.
    """
    sub, email = str(user.get("sub") or ""), str(user.get("email") or "").lower()
    by_email = {k.lower(): v for k, v in mapping.items() if "@" in k}
    if sub and sub in mapping:
        return mapping[sub]
    if email and email in by_email:
        return by_email[email]
    value = user.get(claim)
    values = value if isinstance(value, list) else [value]
    roles = {Role(v) for v in values if isinstance(v, str) and v in Role.__members__.values()}
    return roles.pop() if len(roles) == 1 else None


def local_principal(environ: Mapping[str, str]) -> Principal | None:
    """The one local user `lineage explore --role` names, or None when it named none."""
    role = environ.get(ROLE_ENV)
    if not role or role not in Role.__members__.values():
        return None
    subject = environ.get(USER_ENV) or f"local:{getpass.getuser()}"
    return Principal(subject=subject, role=Role(role), display=f"{subject} ({role})")


def app_secrets() -> dict[str, Any]:
    """Streamlit's secrets as a plain dict ({} when no secrets file exists)."""
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:
        return {}


def _stop(message: str, kind: str = "error") -> None:
    st.title("Family Lineage Explorer")
    getattr(st, kind)(message)
    st.stop()


def _signed_in(secrets: dict[str, Any]) -> Principal:
    """The signed-in user's principal; otherwise the login button, or the no-role message."""
    provider = secrets.get("lineage", {}).get("provider")
    if not st.user.is_logged_in:
        st.title("Family Lineage Explorer")
        st.write("These records are about children in custody. Sign in with your agency account.")
        st.button("Log in", type="primary", key="login",
                  on_click=(lambda: st.login(provider)) if provider else st.login)
        st.stop()
    user = st.user.to_dict()
    claim = secrets.get("lineage", {}).get("role_claim", DEFAULT_CLAIM)
    try:
        role = role_of(user, claim, read_mapping(mapping_path(secrets)))
    except ValueError as exc:
        logout_button()
        _stop(f"The role mapping cannot be read, so no one is given data. An admin must fix it: {exc}")
    who = str(user.get("email") or user.get("sub") or "this account")
    if role is None:
        logout_button()
        _stop(f"You are signed in as {who}, but this account has no role in the explorer, so it shows no "
              "data. Ask an administrator to give you a role (caseworker, analyst, trainer or admin).",
              "warning")
    subject = str(user.get("sub") or user.get("email"))
    return Principal(subject=subject, role=role, display=f"{user.get('name') or who} ({role.value})")


def _local() -> Principal:
    address = st.get_option("server.address")
    if address not in LOOPBACK:  # unset means every interface to Streamlit
        _stop(f"No sign-in is configured ([auth] in .streamlit/secrets.toml), so the explorer will not "
              f"serve {address or 'every network interface'}. Configure sign-in, or start it with "
              "`lineage explore`, which serves 127.0.0.1 only.")
    principal = local_principal(os.environ)
    if principal is None:
        _stop("No sign-in is configured and no local role was given. Start the explorer with "
              "`lineage explore --role caseworker|analyst|trainer|admin` (serves 127.0.0.1 only).")
    return principal


def principal_or_stop() -> Principal:
    """The session's principal, or the page stopped at a login button or a plain-words refusal."""
    secrets = app_secrets()
    problems = auth_problems(secrets)
    if problems:
        _stop("Sign-in is configured but incomplete; missing: " + ", ".join(problems))
    principal = _signed_in(secrets) if problems is not None else _local()
    st.session_state[PRINCIPAL_KEY] = principal
    return principal


def current_principal() -> Principal:
    """The principal `app.py` established for this run; no page can read data without one."""
    principal = st.session_state.get(PRINCIPAL_KEY)
    if not isinstance(principal, Principal):
        raise RuntimeError("no signed-in principal for this session")
    return principal


def is_local() -> bool:
    return auth_problems(app_secrets()) is None


def logout_button() -> None:
    st.sidebar.button("Log out", key="logout", on_click=st.logout)


def banner(principal: Principal) -> None:
    """Who is using the explorer, on every page; in local mode, that no one signed in."""
    if is_local():
        st.info(f"Local mode: no sign-in. One local user, {principal.subject}, as {principal.role.value}; "
                "serving this computer (127.0.0.1) only.", icon=":material/computer:")
        st.sidebar.caption(f"Local user: {principal.display}")
    else:
        st.sidebar.caption(f"Signed in: {principal.display}")
        logout_button()
