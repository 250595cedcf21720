"""The ``play`` subcommand: arguments, default session folder, no display, a short run."""

from __future__ import annotations

import pytest
from ui_fixtures import SMALL_TOWN

from simulator.cli import main
from simulator.cli_play import ALLOW_DUMMY_ENV, default_session_dir


@pytest.fixture
def no_display(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.delenv(ALLOW_DUMMY_ENV, raising=False)


def test_without_a_display_play_says_so_and_points_to_headless_mode(no_display, capsys, tmp_path):
    code = main(["play", str(SMALL_TOWN), "--out", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2
    assert "needs a screen" in err and "--headless" in err
    assert "Traceback" not in err
    assert not (tmp_path / "s").exists()


def test_no_arguments_plays_market_day(no_display, capsys):
    code = main([])
    err = capsys.readouterr().err
    assert code == 2, "no display here, so the default action explains itself"
    assert "market_day.yaml" in err and "--headless" in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--size", "640x480"], "at least 800x600"),
        (["--size", "big"], "WIDTHxHEIGHT"),
        (["--ui-scale", "9"], "--ui-scale"),
        (["--seed", "-1"], "--seed"),
    ],
)
def test_bad_options_are_plain_errors(no_display, capsys, options, message):
    assert main(["play", str(SMALL_TOWN), *options]) == 2
    assert message in capsys.readouterr().err


def test_an_existing_session_is_never_overwritten(no_display, capsys, tmp_path):
    (tmp_path / "events.jsonl").write_text("{}\n", encoding="utf-8")
    assert main(["play", str(SMALL_TOWN), "--out", str(tmp_path)]) == 2
    assert "already holds a session" in capsys.readouterr().err


def test_default_session_folder_names_scenario_trainee_and_seed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = default_session_dir("market-day-v1", "Ann O'Neil", 3)
    assert first.as_posix() == "runs/market-day-v1-Ann-O-Neil-3"
    first.mkdir(parents=True)
    assert default_session_dir("market-day-v1", "Ann O'Neil", 3).name.endswith("-3-2")
    assert default_session_dir("market-day-v1", None, 1).name == "market-day-v1-trainee-1"


def test_play_runs_the_console_and_reports_where_the_session_is(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv(ALLOW_DUMMY_ENV, "1")
    out = tmp_path / "played"
    code = main(["play", str(SMALL_TOWN), "--out", str(out), "--frames", "3"])
    assert code == 0
    assert "not started; no session was written" in capsys.readouterr().out
    assert not (out / "events.jsonl").exists()
