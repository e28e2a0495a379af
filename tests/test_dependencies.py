"""Dependency versions: every range in pyproject.toml is bounded, and the known-good set lies inside it."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
REQUIREMENTS = [Requirement(line) for line in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]]


def known_good() -> dict[str, str]:
    """.ci/constraints.txt: the exact versions CI and the container image install."""
    pins = {}
    for line in (ROOT / ".ci" / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


@pytest.mark.parametrize("requirement", REQUIREMENTS, ids=str)
def test_every_dependency_has_an_upper_bound(requirement):
    """A new major release (or, for 0.x, minor) must be tried before it is let in."""
    assert any(spec.operator in ("<", "==", "~=") for spec in requirement.specifier), requirement


@pytest.mark.parametrize("requirement", REQUIREMENTS, ids=str)
def test_known_good_version_is_inside_the_range(requirement):
    """The pinned set is one the ranges admit, so `pip install -c .ci/constraints.txt` always resolves."""
    pinned = known_good().get(canonicalize_name(requirement.name))
    assert pinned is not None, f"{requirement.name} is missing from .ci/constraints.txt"
    assert requirement.specifier.contains(pinned, prereleases=True), (requirement, pinned)


@pytest.mark.parametrize("requirement", REQUIREMENTS, ids=str)
def test_installed_version_is_the_known_good_one(requirement):
    """The tests ran against exactly the pinned versions (CI installs with the constraints)."""
    name = canonicalize_name(requirement.name)
    assert metadata.version(name) == known_good()[name]
