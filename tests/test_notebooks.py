"""Every notebook in examples/ runs from top to bottom without an error, in a kernel of the
interpreter running the tests (with this checkout first on its path), and keeps no stored
outputs (a notebook in the repository is source, not a record of one run).  Its rich
displays (tables, code, graphs) are produced as HTML and SVG along the way."""

import glob
import json
import os
import sys

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "examples", "*.ipynb")))


def test_there_is_a_notebook():
    assert any(p.endswith("tour.ipynb") for p in NOTEBOOKS)


@pytest.fixture
def kernel_here(tmp_path, monkeypatch):
    """A kernel spec for this very interpreter (not whatever 'python3' resolves to)."""
    spec = tmp_path / "jupyter" / "kernels" / "tangent-lite-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "tangent_lite tests", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # cell code caches in the per-user directory
    for name in [k for k in os.environ if k.startswith("TANGENT_LITE_")]:
        monkeypatch.delenv(name)
    return "tangent-lite-test"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_runs_without_errors(path, kernel_here, tmp_path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    stored = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not stored, f"{os.path.basename(path)}: cells {stored} keep outputs; clear them before committing"
    work = tmp_path / "work"
    work.mkdir()
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name=kernel_here,
                                     resources={"metadata": {"path": str(work)}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on any error
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    kinds = {k for o in outputs if o.output_type == "execute_result" for k in o.data}
    if os.path.basename(path) == "tour.ipynb":  # the tables, code and graph display richly
        assert {"text/html", "image/svg+xml", "text/plain"} <= kinds, kinds
    assert not os.path.exists(work / "__tangent_lite__") or not os.listdir(work / "__tangent_lite__")
