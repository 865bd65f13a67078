"""Anonymous answers stay anonymous in small groups.

A breakdown of an anonymous survey (responses per cohort; invitations per language or
platform) names a group; a group of one or two is a person. Groups smaller than
`surveys.anonymous_min_group` are merged into one "other" group, or, when even that is
too small, left out, so that no group shown has fewer members than the minimum.

Two cases, because of what can be subtracted:
- beside a total that is shown anyway (the invitations of /survey status), a lone small
  group would be the total minus the groups shown: the smallest groups shown join "other"
  until it is large enough (or everything is in it);
- groups a facilitator can also ask for one by one (the cohorts of /survey results and
  export) are subtracted from each other instead: small ones are merged only when together
  large enough, otherwise left out of the whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from bot.services import Services

T = TypeVar("T")


def minimum(services: Services) -> int:
    return services.config.surveys.anonymous_min_group


@dataclass(frozen=True)
class Groups(Generic[T]):
    shown: dict[str, list[T]] = field(default_factory=dict)  # each at least the minimum
    other: list[T] = field(default_factory=list)  # small groups merged: empty or enough
    hidden: list[T] = field(default_factory=list)  # left out: too few even together

    @property
    def included(self) -> list[T]:
        return [m for members in self.shown.values() for m in members] + self.other

    @property
    def changed(self) -> bool:
        """True when a group was merged or left out (the reader is told)."""
        return bool(self.other or self.hidden)


def group_by(items: Iterable[T], key: Callable[[T], str]) -> dict[str, list[T]]:
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def protect(groups: Mapping[str, Sequence[T]], least: int, *, total_shown: bool
            ) -> Groups[T]:
    """Split `groups` into those shown, "other" and those left out (see the module)."""
    shown = {name: list(members) for name, members in groups.items() if len(members) >= least}
    other = [m for name, members in groups.items() if name not in shown for m in members]
    if total_shown:
        while other and len(other) < least and shown:
            smallest = min(shown, key=lambda name: (len(shown[name]), name))
            other += shown.pop(smallest)
    if other and len(other) < least:
        return Groups(shown, [], other)
    return Groups(shown, other, [])
