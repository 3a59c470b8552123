"""The sign-in rules on their own: which secrets mean sign-in, and which role a token gets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explorer.signin import (
    auth_problems,
    local_principal,
    read_mapping,
    read_secrets,
    role_of,
    write_mapping,
)
from graph.access import Role

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "c", "client_id": "i",
        "client_secret": "s", "server_metadata_url": "http://idp.example/.well-known/openid-configuration"}


def test_no_auth_section_means_local_mode_and_a_partial_one_names_what_is_missing() -> None:
    assert auth_problems({}) is None and auth_problems({"lineage": {}}) is None
    assert auth_problems({"auth": AUTH}) == []
    assert auth_problems({"auth": {**AUTH, "cookie_secret": ""}}) == ["[auth] cookie_secret"]
    named = {"auth": {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": "c",
                      "okta": {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}},
             "lineage": {"provider": "okta"}}
    assert auth_problems(named) == []
    assert auth_problems({**named, "lineage": {"provider": "entra"}}) == [
        "[auth] client_id", "[auth] client_secret", "[auth] server_metadata_url"]


def test_a_broken_secrets_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    assert read_secrets(path) == {}
    path.write_text("[auth")
    with pytest.raises(ValueError, match="not valid TOML"):
        read_secrets(path)


def test_the_mapping_wins_then_the_claim_and_ambiguity_gives_no_role() -> None:
    mapping = {"u1": Role.ADMIN, "Ana@Agency.example": Role.ANALYST}
    assert role_of({"sub": "u1", "role": "trainer"}, "role", mapping) is Role.ADMIN
    ana = {"sub": "u2", "email": "ana@agency.example", "role": "admin"}
    assert role_of(ana, "role", mapping) is Role.ANALYST
    assert role_of({"sub": "u3", "groups": ["staff", "caseworker"]}, "groups", {}) is Role.CASEWORKER
    assert role_of({"sub": "u3", "groups": ["caseworker", "admin"]}, "groups", {}) is None
    assert role_of({"sub": "u4", "role": "superuser"}, "role", {}) is None
    assert role_of({"sub": "u5"}, "role", {}) is None
    assert role_of({"sub": "u6", "role": "admin"}, "groups", {}) is None  # another claim name


def test_the_mapping_file_round_trips_and_rejects_unknown_roles(tmp_path: Path) -> None:
    path = tmp_path / "roles.json"
    assert read_mapping(path) == {}
    write_mapping(path, {"u1": Role.ADMIN, "b@x.example": Role.TRAINER})
    assert read_mapping(path) == {"u1": Role.ADMIN, "b@x.example": Role.TRAINER}
    path.write_text(json.dumps({"u1": "root"}))
    with pytest.raises(ValueError, match="roles are caseworker, analyst, trainer, admin"):
        read_mapping(path)


def test_local_mode_needs_a_known_role() -> None:
    assert local_principal({}) is None and local_principal({"LINEAGE_EXPLORE_ROLE": "root"}) is None
    me = local_principal({"LINEAGE_EXPLORE_ROLE": "analyst", "LINEAGE_EXPLORE_USER": "local:ana"})
    assert me is not None and (me.subject, me.role) == ("local:ana", Role.ANALYST)
