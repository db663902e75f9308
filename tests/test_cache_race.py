"""Eight processes generating and loading the same derivatives at once never see a partial file."""

import json
import os
import stat
import subprocess
import sys
import textwrap

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MODULE = textwrap.dedent('''
    import numpy as np

    def f(x, n):
        s = 0.0
        for i in range(n):
            s = s + np.sin(x * (i + 1)) ** 2
        return np.sum(s)

    def g(x):
        return np.sum(np.tanh(x) * x)
''')

CHILD = textwrap.dedent('''
    import json, sys, time
    sys.path.insert(0, {src!r})
    import numpy as np
    import tangent_lite as tl
    from tangent_lite.backends import cache
    import racemod
    x = np.linspace(0.1, 0.9, 5)
    start = time.time()
    while time.time() < {start}:  # start together
        time.sleep(0.001)
    out = {{}}
    for rep in range(3):
        cache.clear_memory()
        out["f"] = tl.grad(racemod.f)(x, 4).tolist()
        out["g"] = tl.grad(racemod.g)(x).tolist()
        out["jvp"] = float(tl.jvp(racemod.g, (x,), (np.ones(5),))[1])
    out["stats"] = dict(cache.STATS)
    print(json.dumps(out))
''')


def _expected(x):
    n = 4
    gf = sum(2 * np.sin(x * (i + 1)) * np.cos(x * (i + 1)) * (i + 1) for i in range(n))
    gg = np.tanh(x) + x * (1 - np.tanh(x) ** 2)
    return gf, gg


def test_eight_processes_race_on_one_cache(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "racemod.py").write_text(MODULE)
    cache_dir = tmp_path / "cache"
    env = dict(os.environ, TANGENT_LITE_CACHE_DIR=str(cache_dir), PYTHONPATH=REPO)
    import time

    start = time.time() + 3.0
    procs = [subprocess.Popen([sys.executable, "-c", CHILD.format(src=str(src), start=start)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(8)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert "Warning" not in err, err  # racing to create the directory and entries is not trouble
        results.append(json.loads(out.strip().splitlines()[-1]))
    x = np.linspace(0.1, 0.9, 5)
    gf, gg = _expected(x)
    for r in results:
        np.testing.assert_allclose(r["f"], gf, rtol=1e-10)
        np.testing.assert_allclose(r["g"], gg, rtol=1e-10)
        assert abs(r["jvp"] - float(np.sum(gg))) < 1e-10
    # the writers used temporary files and os.replace: none is left, every entry is complete
    leftovers = [p.name for p in cache_dir.iterdir() if p.name.startswith(".tmp-")]
    assert leftovers == []
    from tangent_lite.backends import codegen

    for entry in cache_dir.glob("*.py"):
        codegen.verify(entry.read_text())  # raises if partial or corrupt
        if os.name == "posix":
            assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    if os.name == "posix":
        assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700  # made private by whichever process came first
    assert not (cache_dir / "__pycache__").exists()  # generated modules run from memory: no .pyc
    # after the first round every process found the others' (or its own) files on disk
    assert sum(r["stats"]["disk_hits"] for r in results) >= 8
