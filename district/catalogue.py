"""The district's reference data as the rulebook reads it: streets, communities,
alert categories, units and emergency resources.

Read once from ``resources/catalogue/*.json`` (the same files the console bundles),
so a server, a drill and the console agree on every id a command may name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from console.models import Unit

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "resources" / "catalogue"


def load_json(name: str) -> Any:
    """One ``resources/catalogue/*.json`` file, parsed."""
    with open(CATALOGUE_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


@dataclass(frozen=True)
class Catalogue:
    """Every id the rules check, with the names used in refusals."""

    streets: tuple[dict[str, Any], ...]
    categories: dict[str, dict[str, Any]]
    units: tuple[Unit, ...]
    unit_by_id: dict[str, Unit] = field(repr=False)
    street_name: dict[str, str] = field(repr=False)
    community_street: dict[str, str] = field(repr=False)
    community_name: dict[str, str] = field(repr=False)

    def unit_street(self, unit_id: str) -> str | None:
        """The street a unit belongs to (``street.X`` itself, or a community of X); None for
        district departments and district teams."""
        unit = self.unit_by_id.get(unit_id)
        if unit is None:
            return None
        for cand in (unit.id, unit.parent or ""):
            if cand.startswith("street."):
                return cand.split(".", 1)[1]
        return None


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The bundled catalogue (parsed once per process)."""
    streets = tuple(load_json("streets.json")["streets"])
    categories = {c["id"]: c for c in load_json("categories.json")["categories"]}
    units = tuple(Unit(**u) for u in load_json("units.json")["units"])
    return Catalogue(
        streets=streets,
        categories=categories,
        units=units,
        unit_by_id={u.id: u for u in units},
        street_name={s["id"]: s["name_zh"] for s in streets},
        community_street={c["id"]: s["id"] for s in streets for c in s["communities"]},
        community_name={c["id"]: c["name_zh"] for s in streets for c in s["communities"]},
    )
