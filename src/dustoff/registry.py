"""Named detectors and fillers, so the CLI, the benchmark and the web page list the same things.

A registry entry is a factory plus a one-line description; ``create(name, **options)`` is the one
way in. Learned models register themselves the same way as the classical methods.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .errors import DustoffError


@dataclass(frozen=True)
class Entry:
    name: str
    factory: Callable[..., Any]
    description: str


class Registry:
    """A name -> factory table for one kind of component ("detector" or "filler")."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry] = {}

    def register(self, name: str, description: str):
        """Decorator: register ``factory`` under ``name``."""
        def wrap(factory):
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._entries[name] = Entry(name, factory, description)
            return factory
        return wrap

    def create(self, name: str, **options):
        """Instantiate the component registered as ``name`` with ``options``."""
        if name not in self._entries:
            known = ", ".join(sorted(self._entries))
            raise DustoffError(f"unknown {self.kind} {name!r}; choose one of: {known}")
        return self._entries[name].factory(**options)

    def entries(self) -> list[Entry]:
        return [self._entries[k] for k in sorted(self._entries)]

    def names(self) -> list[str]:
        return sorted(self._entries)


detectors = Registry("detector")
fillers = Registry("filler")
#: Whole-image restoration networks (damaged image in, restored image out, no detector), usable
#: as ``dustoff restore --method NAME``.
networks = Registry("whole-image network")
