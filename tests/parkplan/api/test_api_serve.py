"""``parkplan serve``: settings from the environment, refusal without an operator token."""

from __future__ import annotations

import pytest
from api_support import OPERATOR
from click.testing import CliRunner

from parkplan.cli.serve import serve
from parkplan.errors import ParkplanError


@pytest.fixture
def started(monkeypatch):
    """What uvicorn would have been asked to run."""
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append((app, kwargs)))
    for name in (
        "OPERATOR_TOKENS",
        "VIEWER_TOKENS",
        "READ_ONLY",
        "CORS_ORIGINS",
        "TRUSTED_PROXIES",
    ):
        monkeypatch.delenv(f"PARKPLAN_{name}", raising=False)
    return calls


def test_serve_starts_uvicorn_on_loopback(shared_study, started, monkeypatch):
    monkeypatch.setenv("PARKPLAN_OPERATOR_TOKENS", OPERATOR)
    result = CliRunner().invoke(serve, [str(shared_study), "--port", "8123"])
    assert result.exit_code == 0, result.output
    ((app, kwargs),) = started
    assert (kwargs["host"], kwargs["port"]) == ("127.0.0.1", 8123)
    assert app.state.context.settings.read_only is False


def test_serve_refuses_writes_without_operator_token(shared_study, started):
    result = CliRunner().invoke(serve, [str(shared_study)])
    assert isinstance(result.exception, ParkplanError)
    assert "--read-only" in str(result.exception)
    assert started == []


def test_serve_read_only_needs_no_token(shared_study, started):
    result = CliRunner().invoke(serve, [str(shared_study), "--read-only"])
    assert result.exit_code == 0, result.output
    assert started[0][0].state.context.settings.read_only is True


def test_serve_reports_a_bad_setting_by_its_variable(shared_study, started, monkeypatch):
    monkeypatch.setenv("PARKPLAN_OPERATOR_TOKENS", "short")
    result = CliRunner().invoke(serve, [str(shared_study)])
    assert isinstance(result.exception, ParkplanError)
    assert str(result.exception).startswith("PARKPLAN_OPERATOR_TOKENS:")


def test_serve_refuses_a_folder_that_is_no_study(tmp_path, started, monkeypatch):
    monkeypatch.setenv("PARKPLAN_OPERATOR_TOKENS", OPERATOR)
    result = CliRunner().invoke(serve, [str(tmp_path)])
    assert isinstance(result.exception, ParkplanError)
    assert started == []


def test_serve_ignores_forwarded_headers_by_default(shared_study, started, monkeypatch):
    monkeypatch.setenv("PARKPLAN_OPERATOR_TOKENS", OPERATOR)
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")  # uvicorn's own variable changes nothing
    assert CliRunner().invoke(serve, [str(shared_study)]).exit_code == 0
    ((_, kwargs),) = started
    assert kwargs["proxy_headers"] is False


@pytest.mark.parametrize("given", ["env", "option"])
def test_serve_believes_forwarded_headers_from_trusted_proxies_only(
    shared_study, started, monkeypatch, given
):
    monkeypatch.setenv("PARKPLAN_OPERATOR_TOKENS", OPERATOR)
    proxies = " 10.0.0.5, 192.168.8.0/21 ,::1"
    args = [str(shared_study)]
    if given == "env":
        monkeypatch.setenv("PARKPLAN_TRUSTED_PROXIES", proxies)
    else:
        monkeypatch.setenv("PARKPLAN_TRUSTED_PROXIES", "10.9.9.9")
        args += ["--trusted-proxy", proxies]
    result = CliRunner().invoke(serve, args)
    assert result.exit_code == 0, result.output
    ((_, kwargs),) = started
    assert kwargs["proxy_headers"] is True
    assert kwargs["forwarded_allow_ips"] == ["10.0.0.5", "192.168.8.0/21", "::1"]


@pytest.mark.parametrize("proxies", ["*", "proxy.example.org", "10.0.0.300"])
def test_serve_refuses_a_trusted_proxy_that_is_no_address(shared_study, started, proxies):
    result = CliRunner().invoke(serve, [str(shared_study), "--trusted-proxy", proxies])
    assert isinstance(result.exception, ParkplanError)
    assert str(result.exception).startswith("PARKPLAN_TRUSTED_PROXIES:")
    assert "e.g. '10.0.0.5'" in str(result.exception)
    assert started == []
