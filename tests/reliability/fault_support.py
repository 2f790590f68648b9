"""Fault injection for the reliability tests: CLI commands run in processes that get SIGKILLed.

Starting ``parkplan`` costs seconds of imports, which would drown the short windows in which a
command writes its files. :class:`CommandServer` imports the CLI once in a helper process,
then forks a fresh child per command (the child runs ``parkplan.cli.main(argv)`` exactly as
the console script does); the test kills that child with SIGKILL after a seeded random delay,
or the child kills itself at a named point (``kill_at``):

- ``"replace:NAME"``: just before the ``os.replace`` that would put the file ``NAME`` in place
  (the temporary file is complete, the final name still holds the old version);
- ``"block:K"``: when the K-th block of a raster of the run is about to be written;
- ``"write_gpkg"``: right after a layer's GeoPackage was written, before the catalogue commit.

:func:`snapshot` and :func:`check_study` compare a study before and after.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pyogrio
import rasterio

REPO = Path(__file__).resolve().parents[2]

#: How many random kills each crash test makes (raise it to measure for the record).
FAULT_RUNS = int(os.environ.get("PARKPLAN_FAULT_RUNS", "10"))

_SERVER_CODE = r"""
import json, os, signal, sys
import parkplan.cli
from parkplan.cli import main
import parkplan.cli.run, parkplan.cli.map, parkplan.cli.layers  # imported once, not per command

def arm(kill_at):
    def die():
        os.kill(os.getpid(), signal.SIGKILL)
    kind, _, arg = kill_at.partition(":")
    if kind == "replace":
        real = os.replace
        def replace(src, dst, *a, **k):
            if os.path.basename(os.fspath(dst)) == arg:
                die()
            return real(src, dst, *a, **k)
        os.replace = replace
    elif kind == "block":
        from geo.layers import blocks
        real_write = blocks.CogWriter.write
        calls = [0]
        def write(self, window, values):
            calls[0] += 1
            if calls[0] == int(arg):
                die()
            return real_write(self, window, values)
        blocks.CogWriter.write = write
    elif kind == "write_gpkg":
        from parkplan.workspace import files as workspace
        real_gpkg = workspace.write_gpkg
        def write_gpkg(*a, **k):
            real_gpkg(*a, **k)
            die()
        workspace.write_gpkg = write_gpkg

sys.stdout.write("ready\n"); sys.stdout.flush()
for line in sys.stdin:
    request = json.loads(line)
    if request["op"] == "spawn":
        pid = os.fork()
        if pid == 0:
            out = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(out, 1); os.dup2(out, 2)
            code = 1
            try:
                if request.get("kill_at"):
                    arm(request["kill_at"])
                code = main(request["argv"])
            finally:
                sys.stdout.flush(); sys.stderr.flush()
                os._exit(code)
        reply = {"pid": pid}
    else:
        flags = os.WNOHANG if request["op"] == "poll" else 0
        done, status = os.waitpid(request["pid"], flags)
        reply = {"code": None if done == 0 else os.waitstatus_to_exitcode(status)}
    sys.stdout.write(json.dumps(reply) + "\n"); sys.stdout.flush()
"""


class CommandServer:
    """A process that has imported the CLI and forks one child per command."""

    def __init__(self) -> None:
        env = os.environ | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        self._process = subprocess.Popen(
            [sys.executable, "-c", _SERVER_CODE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        assert self._ask_line() == "ready"

    def _ask_line(self) -> str:
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the command server stopped")
        return line.strip()

    def _ask(self, request: dict) -> dict:
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        return json.loads(self._ask_line())

    def spawn(self, argv: list[str], log: Path, *, kill_at: str | None = None) -> int:
        """Start ``parkplan ARGV`` in a forked child; return its process id."""
        return self._ask({"op": "spawn", "argv": argv, "log": str(log), "kill_at": kill_at})["pid"]

    def wait(self, pid: int) -> int:
        """The exit code of child ``pid`` (negative: killed by that signal)."""
        return self._ask({"op": "wait", "pid": pid})["code"]

    def poll(self, pid: int) -> int | None:
        return self._ask({"op": "poll", "pid": pid})["code"]

    def run(self, argv: list[str], log: Path, *, kill_at: str | None = None) -> int:
        return self.wait(self.spawn(argv, log, kill_at=kill_at))

    def run_killed_after(self, argv: list[str], log: Path, delay_s: float) -> tuple[int, bool]:
        """Run ``argv``; SIGKILL it after ``delay_s`` unless it ended. Return (code, killed)."""
        pid = self.spawn(argv, log)
        deadline = time.monotonic() + delay_s
        while time.monotonic() < deadline:
            if (code := self.poll(pid)) is not None:
                return code, False
            time.sleep(min(0.005, max(0.0, deadline - time.monotonic())))
        os.kill(pid, 9)
        code = self.wait(pid)
        return code, code == -9  # it may have ended between the last poll and the kill

    def close(self) -> None:
        self._process.stdin.close()
        self._process.wait(timeout=30)


# -- comparing a study before and after ----------------------------------------------------------

_TEMPORARY = re.compile(r"^\..*(\.tmp|\.blocks\.tif|\.cog\.tif)|\.staging\.tif|^\.workspace-")


def is_temporary(name: str) -> bool:
    """Whether a file name is one of the temporary names the writers use."""
    return bool(_TEMPORARY.search(name))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """The files of a study (SHA-256 by relative path, the lock aside) and its catalogue."""

    files: dict[str, str]
    catalog: dict


def snapshot(root: Path) -> Snapshot:
    files = {
        p.relative_to(root).as_posix(): sha256(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }
    catalog = json.loads((root / "workspace" / "catalog.json").read_text(encoding="utf-8"))
    return Snapshot(files, catalog)


def valid_result(path: Path) -> None:
    """Raise unless ``path`` is a complete file of its kind."""
    suffix = path.suffix
    if suffix == ".gpkg":
        assert len(pyogrio.read_dataframe(path)) > 0
    elif suffix == ".csv":
        text = path.read_text(encoding="utf-8")
        assert text.endswith("\n")
        pd.read_csv(path)
    elif suffix == ".json":
        json.loads(path.read_text(encoding="utf-8"))
    elif suffix == ".html":
        assert path.read_text(encoding="utf-8").rstrip().endswith("</html>")
    elif suffix == ".tif":
        with rasterio.open(path) as src:
            src.read()
    elif suffix == ".qml":
        ElementTree.fromstring(path.read_text(encoding="utf-8"))
    elif path.name.endswith(".geojson.gz"):
        json.loads(gzip.decompress(path.read_bytes()))
    elif suffix == ".geojson":
        json.loads(path.read_text(encoding="utf-8"))
    elif suffix == ".xlsx":
        assert openpyxl.load_workbook(path, read_only=True).sheetnames
    elif suffix == ".qgz":
        with zipfile.ZipFile(path) as archive:
            (name,) = archive.namelist()
            ElementTree.fromstring(archive.read(name))
    elif suffix == ".toml":
        pass
    else:
        raise AssertionError(f"unexpected result file {path}")


@dataclass(frozen=True)
class StudyCheck:
    """What :func:`check_study` found besides what it asserts."""

    changed: tuple[str, ...]
    temporary: tuple[str, ...]
    orphans: tuple[str, ...]


def check_study(
    root: Path, before: Snapshot, *, new_layers: frozenset[str] = frozenset()
) -> StudyCheck:
    """Assert that the study at ``root`` is whole after a crash; return what changed.

    The study opens; ``layers list --json`` works and lists the layers of ``before`` unchanged
    (plus, whole, any of ``new_layers``); every stored layer file that existed is unchanged;
    every other file either is unchanged, or is a complete result file, or has a temporary name,
    or is an unreferenced layer file (an orphan, returned for the record).
    """
    from parkplan.cli import main
    from parkplan.study import load_study
    from parkplan.workspace import Workspace

    load_study(root)
    workspace = Workspace.open(root)
    listing = _cli_json(main, ["layers", "list", str(root), "--json"])
    names = {entry["name"] for entry in listing}
    stored = {f"workspace/{entry['stored']}" for entry in listing}
    old_catalog = before.catalog
    assert set(old_catalog["layers"]) <= names <= set(old_catalog["layers"]) | new_layers
    for entry in listing:
        if entry["name"] in old_catalog["layers"]:
            assert entry == old_catalog["layers"][entry["name"]], entry["name"]
            path = root / "workspace" / entry["stored"]
            assert before.files[f"workspace/{entry['stored']}"] == sha256(path), entry["name"]
        elif entry["kind"] == "vector":
            assert len(workspace.read_vector(entry["name"])) > 0
        else:
            valid_result(workspace.raster_path(entry["name"]))
    changed, temporary, orphans = [], [], []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or path.name == ".lock" or before.files.get(rel) == sha256(path):
            continue
        if is_temporary(path.name):
            temporary.append(rel)
        elif rel.startswith(("workspace/layers/", "workspace/rasters/")) and rel not in stored:
            orphans.append(rel)
        elif rel == "workspace/catalog.json" or rel in stored:
            changed.append(rel)  # checked above through the listing
        else:
            valid_result(path)
            changed.append(rel)
    return StudyCheck(tuple(changed), tuple(temporary), tuple(orphans))


def _cli_json(main, argv: list[str]):
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    assert code == 0, f"parkplan {' '.join(argv)} exited {code}"
    return json.loads(out.getvalue())
