"""`lineage explore` runs the installed explorer with the server flags it was given."""

from __future__ import annotations

from pathlib import Path

from cli.explore_cmd import app_path, streamlit_command


def test_command_runs_the_installed_app_headless_without_usage_stats_or_deploy_button() -> None:
    cmd = streamlit_command("0.0.0.0", 8600, headless=True)
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4] == str(app_path())
    assert app_path().is_file() and app_path().parent.name == "explorer"
    flags = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert flags == {"--server.address": "0.0.0.0", "--server.port": "8600", "--server.headless": "true",
                     "--browser.gatherUsageStats": "false", "--server.showEmailPrompt": "false",
                     "--client.toolbarMode": "minimal",
                     "--server.enableStaticServing": "true",
                     "--secrets.files": str(Path(".streamlit/secrets.toml").resolve())}
