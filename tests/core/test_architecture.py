"""Architecture rules that keep replay, fog of war and scoring trustworthy.

1. ``simulator/core`` and ``scoring`` are pure: no pygame, no wall clock (``time``,
   ``datetime``), no stdlib ``random``, no numpy global random state. Checked by walking
   the syntax tree of every file, so a violation is named by file and line.
2. The trainee's picture types carry no ground truth: no field whose name suggests it,
   and contacts never carry a truth id.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest
from core_fixtures import REPO_ROOT, Town

from simulator.core import picture as picture_module
from simulator.core.commands import MoveUnit

PURE_PACKAGES = ("simulator/core", "scoring")
FORBIDDEN_MODULES = {
    "pygame": "rendering belongs in simulator/render and simulator/ui",
    "pygame_ce": "rendering belongs in simulator/render and simulator/ui",
    "random": "use a named stream from RngStreams",
    "time": "the core runs on ticks, not the wall clock",
    "datetime": "the core runs on ticks, not the wall clock",
    "simulator.render": "the core never depends on rendering",
    "simulator.ui": "the core never depends on the console",
}
# numpy.random names that create or describe *seeded* generators; everything else there
# (rand, seed, random, choice, default_rng, RandomState...) is global or unseeded state.
ALLOWED_NUMPY_RANDOM = {"Generator", "PCG64", "SeedSequence", "BitGenerator"}


def _forbidden_module(name: str) -> str | None:
    for module, why in FORBIDDEN_MODULES.items():
        if name == module or name.startswith(module + "."):
            return f"imports {name} ({why})"
    return None


def _absolute_module(node: ast.ImportFrom, filename: str) -> str:
    """The absolute module name of a (possibly relative) ``from ... import``."""
    if node.level == 0:
        return node.module or ""
    package = Path(filename).with_suffix("").parts[:-1]
    base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
    return ".".join((*base, node.module) if node.module else base)


def purity_violations(source: str, filename: str) -> list[str]:
    """Every breach of the purity rule in one file's source, as 'file:line: what'."""
    tree = ast.parse(source, filename=filename)
    numpy_names: set[str] = set()  # names bound to the numpy module
    numpy_random_names: set[str] = set()  # names bound to numpy.random
    found: list[str] = []

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{node.lineno}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                problem = _forbidden_module(alias.name)
                if problem:
                    report(node, problem)
                if alias.name == "numpy":
                    numpy_names.add(alias.asname or "numpy")
                elif alias.name == "numpy.random":
                    if alias.asname:
                        numpy_random_names.add(alias.asname)
                    else:
                        numpy_names.add("numpy")
        elif isinstance(node, ast.ImportFrom):
            module = _absolute_module(node, filename)
            problem = _forbidden_module(module)
            if problem:
                report(node, problem)
            else:
                for alias in node.names:
                    problem = _forbidden_module(f"{module}.{alias.name}".lstrip("."))
                    if problem:
                        report(node, problem)
            if module == "numpy":
                for alias in node.names:
                    if alias.name == "random":
                        numpy_random_names.add(alias.asname or "random")
            elif module == "numpy.random":
                for alias in node.names:
                    if alias.name not in ALLOWED_NUMPY_RANDOM:
                        report(node, f"imports numpy.random.{alias.name} (global or unseeded RNG)")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "__import__":
                report(node, "imports dynamically with __import__")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or node.attr in ALLOWED_NUMPY_RANDOM:
            continue
        value = node.value
        via_numpy = (
            isinstance(value, ast.Attribute)
            and value.attr == "random"
            and isinstance(value.value, ast.Name)
            and value.value.id in numpy_names
        )
        via_alias = isinstance(value, ast.Name) and value.id in numpy_random_names
        if via_numpy or via_alias:
            report(node, f"uses numpy.random.{node.attr} (global or unseeded RNG)")
    return found


def _pure_files() -> list[Path]:
    files = []
    for package in PURE_PACKAGES:
        files.extend(sorted((REPO_ROOT / package).rglob("*.py")))
    return files


def test_the_pure_packages_exist_and_have_files():
    files = _pure_files()
    names = {path.relative_to(REPO_ROOT).as_posix() for path in files}
    assert "simulator/core/simulation.py" in names
    assert "simulator/core/rng.py" in names
    assert any(name.startswith("scoring/") for name in names)


def test_core_and_scoring_are_pure():
    found = []
    for path in _pure_files():
        relative = path.relative_to(REPO_ROOT).as_posix()
        found.extend(purity_violations(path.read_text(encoding="utf-8"), relative))
    assert found == [], "impure code in the core or scoring:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import random\n", "random"),
        ("from random import choice\n", "random"),
        ("import time\nx = time.time()\n", "time"),
        ("from time import perf_counter\n", "time"),
        ("import datetime\n", "datetime"),
        ("from datetime import datetime\n", "datetime"),
        ("import pygame\n", "pygame"),
        ("import pygame.draw as d\n", "pygame"),
        ("from simulator.render import camera\n", "simulator.render"),
        ("from simulator import ui\n", "simulator.ui"),
        ("from ..render import layers\n", "simulator.render"),
        ("from .. import ui\n", "simulator.ui"),
        ("import numpy as np\nnp.random.seed(1)\n", "numpy.random.seed"),
        ("import numpy as np\nx = np.random.rand(3)\n", "numpy.random.rand"),
        ("import numpy as np\nx = np.random.choice([1, 2])\n", "numpy.random.choice"),
        ("import numpy as np\nrng = np.random.default_rng()\n", "numpy.random.default_rng"),
        ("import numpy\nnumpy.random.random()\n", "numpy.random.random"),
        ("import numpy.random\nnumpy.random.shuffle([1])\n", "numpy.random.shuffle"),
        ("import numpy.random as npr\nnpr.normal()\n", "numpy.random.normal"),
        ("from numpy import random as r\nr.uniform()\n", "numpy.random.uniform"),
        ("from numpy.random import default_rng\n", "numpy.random.default_rng"),
        ("from numpy.random import RandomState\n", "numpy.random.RandomState"),
    ],
)
def test_the_purity_check_catches_each_kind_of_breach(source: str, expected: str):
    found = purity_violations(source, "simulator/core/example.py")
    assert found, f"not caught: {source!r}"
    assert any(expected in item for item in found), found
    assert all(item.startswith("simulator/core/example.py:") for item in found)


def test_the_purity_check_allows_seeded_generators():
    source = (
        "import numpy as np\n"
        "from numpy.random import Generator, PCG64, SeedSequence\n"
        "def make(seed: int) -> np.random.Generator:\n"
        "    sequence = np.random.SeedSequence(seed)\n"
        "    return np.random.Generator(np.random.PCG64(sequence))\n"
        "def draw(rng: np.random.Generator):\n"
        "    return rng.random(3), rng.choice(5), rng.integers(0, 9)\n"
        "import timeit_helpers_are_not_time\n"
    )
    assert purity_violations(source, "example.py") == []


# ----------------------------------------------------------------------------- the picture

PICTURE_TYPES = ("Picture", "Contact", "OwnUnit", "SensorView", "Message", "ProtectedSiteView")
# Field names that would hand the trainee what only the instructor may know.
TRUTH_NAME = re.compile(
    r"truth|true_|^true$|actual|real_|ground|hidden|secret|hostile|armed|combatant|"
    r"person_id|person_row|entity|^row$|_row$|^index$|_index$|health|casualt|killed|"
    r"injured|safehouse|^role$|archetype|^group$|swapped",
    re.IGNORECASE,
)


def _picture_dataclasses() -> dict[str, type]:
    return {
        name: value
        for name, value in vars(picture_module).items()
        if isinstance(value, type)
        and dataclasses.is_dataclass(value)
        and value.__module__ == picture_module.__name__
    }


def test_every_picture_type_is_a_frozen_dataclass():
    types = _picture_dataclasses()
    missing = [name for name in PICTURE_TYPES if name not in types]
    assert missing == [], f"picture types not found: {missing}"
    for name, cls in types.items():
        assert cls.__dataclass_params__.frozen, f"{name} is not frozen"


def test_picture_types_have_no_ground_truth_fields():
    leaks = []
    for name, cls in sorted(_picture_dataclasses().items()):
        for field in dataclasses.fields(cls):
            if TRUTH_NAME.search(field.name):
                leaks.append(f"{name}.{field.name}")
        if name == "Contact":
            # A contact's 'kind' would be the truth about what it is; its category
            # (person or vehicle) and the trainee's own classification are allowed.
            leaks.extend(f"Contact.{f.name}" for f in dataclasses.fields(cls) if f.name == "kind")
    assert leaks == [], f"fields that look like ground truth in the picture: {leaks}"


def test_the_truth_name_pattern_catches_typical_leaks():
    for name in ("is_hostile", "true_x_m", "person_id", "truth", "ground_truth_kind", "entity"):
        assert TRUTH_NAME.search(name), name
    for name in ("track_id", "classification", "category", "uncertainty_m", "in_view"):
        assert not TRUTH_NAME.search(name), name


def _strings_in(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [s for f in dataclasses.fields(value) for s in _strings_in(getattr(value, f.name))]
    if isinstance(value, (tuple, list)):
        return [s for item in value for s in _strings_in(item)]
    return []


def test_contacts_never_carry_truth_ids(town: Town):
    sim = town.simulation(seed=17)
    truth_ids = set(sim.state().person_ids)
    truth_ids |= {f"vehicle-{i:05d}" for i in range(len(sim.state().vehicle_xy))}
    schedule = {100: [MoveUnit("p1", 300.0, 200.0)]}
    track_ids: set[str] = set()
    while sim.tick < 2700:
        sim.step(schedule.get(sim.tick, ()))
        picture = sim.observe("blue")
        for contact in picture.contacts:
            track_ids.add(contact.track_id)
            assert contact.track_id not in truth_ids, f"tick {sim.tick}: {contact.track_id}"
        if sim.tick % 300 == 0:
            leaked = truth_ids.intersection(_strings_in(picture))
            assert not leaked, f"tick {sim.tick}: truth ids in the picture: {sorted(leaked)[:5]}"
    assert len(track_ids) >= 10, "the sensors saw almost nobody; the test proves little"
