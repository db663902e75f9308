"""Generations that take long report their stages (backends/progress.py); fast ones say nothing.

TANGENT_LITE_PROGRESS: seconds (default 2), ``all`` or ``off``; lines go to the
``tangent_lite`` logger when logging is configured, to stderr otherwise."""

import logging
import re
import time

import numpy as np
import pytest
from temp_modules import temp_module

import tangent_lite as tl
from tangent_lite import api
from tangent_lite.backends import progress

MODEL = """
import numpy as np


def helper(z):
    return np.tanh(z) * z


def f(x, y):
    return np.sum(helper(x * y) + np.sin(x))
"""


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    monkeypatch.setenv("TANGENT_LITE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TANGENT_LITE_PROGRESS", raising=False)
    return lambda: temp_module(tmp_path, MODEL, "progress_model")


def _lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "tangent_lite"]


def test_fast_generations_say_nothing(fresh, caplog, capsys):
    caplog.set_level(logging.INFO, logger="tangent_lite")
    m = fresh()
    x = np.array([0.5, -1.0])
    assert np.allclose(tl.grad(m.f)(x, 2.0), 2.0 * (np.tanh(2 * x) + 2 * x / np.cosh(2 * x) ** 2) + np.cos(x))
    assert tl.jvp(m.f, (x, 2.0), (np.ones(2), 0.0)) is not None
    assert _lines(caplog) == [] and capsys.readouterr().err == ""


def test_all_reports_every_stage_of_every_generation(fresh, caplog, monkeypatch):
    monkeypatch.setenv("TANGENT_LITE_PROGRESS", "all")
    caplog.set_level(logging.INFO, logger="tangent_lite")
    m = fresh()
    tl.grad(m.f)(np.array([0.5, -1.0]), 2.0)
    lines = _lines(caplog)
    mine = [s for s in lines if re.search(r"the vjp of f \(progress_model_\w+\.py:9\)", s)]
    assert re.fullmatch(r"tangent_lite: generating the vjp of f \(\S+:9\): lowering \d+\.\d\d s", mine[0])
    assert [s.split(": ")[-1].split(" ")[0] for s in mine[1:4]] == ["differentiating", "optimizing", "printing"]
    assert re.fullmatch(r"tangent_lite: generated the vjp of f \(\S+:9\) in \d+\.\d\d s", mine[4])
    # the callee is generated inside f's "differentiating" stage, and reports on its own lines
    callee = [i for i, s in enumerate(lines) if "the vjp of helper (" in s]
    assert callee and lines.index(mine[0]) < callee[0] < lines.index(mine[1])


def test_a_slow_generation_reports_once_past_the_threshold(fresh, caplog, monkeypatch):
    monkeypatch.setenv("TANGENT_LITE_PROGRESS", "0.2")
    caplog.set_level(logging.INFO, logger="tangent_lite")
    slow, optimize = {"f"}, api.manager.optimize

    def slow_optimize(fdef, *args, **kwargs):  # the optimizer of f takes 0.3 s, of helper nothing
        if any(fdef.name.startswith(name + "_") for name in slow):
            time.sleep(0.3)
        return optimize(fdef, *args, **kwargs)

    monkeypatch.setattr(api.manager, "optimize", slow_optimize)
    m = fresh()
    tl.value_and_grad(m.f)(np.array([0.5, -1.0]), 2.0)
    lines = _lines(caplog)
    assert len(lines) == 3, lines  # the stages up to the slow one, then each later stage, then the total
    assert re.fullmatch(r"tangent_lite: generating the vjp of f \(\S+\): lowering \d+\.\d\d s, "
                        r"differentiating \d+\.\d\d s, optimizing 0\.[3-9]\d s", lines[0])
    assert re.fullmatch(r"tangent_lite: generating the vjp of f \(\S+\): printing \d+\.\d\d s", lines[1])
    assert lines[2].startswith("tangent_lite: generated the vjp of f (")


def test_without_logging_configured_lines_go_to_stderr(fresh, capsys, monkeypatch):
    monkeypatch.setenv("TANGENT_LITE_PROGRESS", "all")
    monkeypatch.setattr(progress.LOGGER, "hasHandlers", lambda: False)
    tl.grad(fresh().f)(np.array([0.5, -1.0]), 2.0)
    err = capsys.readouterr().err
    assert "tangent_lite: generating the vjp of f (" in err and "tangent_lite: generated the vjp of f (" in err


@pytest.mark.parametrize("value, expected", [("", 2.0), ("off", None), ("0", None), ("all", 0.0), ("5", 5.0),
                                             ("0.5", 0.5), ("soon", 2.0)])
def test_the_environment_variable(monkeypatch, value, expected):
    monkeypatch.setenv("TANGENT_LITE_PROGRESS", value)
    assert progress.threshold() == expected


def test_off_is_silent_even_when_slow(fresh, caplog, monkeypatch):
    monkeypatch.setenv("TANGENT_LITE_PROGRESS", "off")
    caplog.set_level(logging.INFO, logger="tangent_lite")
    optimize = api.manager.optimize
    monkeypatch.setattr(api.manager, "optimize", lambda *a, **k: (time.sleep(0.05), optimize(*a, **k))[1])
    tl.grad(fresh().f)(np.array([0.5, -1.0]), 2.0)
    assert _lines(caplog) == []
