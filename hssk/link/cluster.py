"""Clustering of accepted pairs into people, with the register as a duplicate-free anchor.

Greedy and deterministic, strongest evidence first (like Kruskal's algorithm with constraints):
1. core records (HSSK and register): reviewer accepts, then model pairs by falling match weight;
   two groups are joined unless that would put two register records, or two records a reviewer
   rejected, into one person;
2. attaching records (deaths, insurance, care): reviewer accepts, then each joins the person of
   its single best partner.
Nodes are integers 0..n-1; callers map them to record keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

CORE_ROLES = ("H", "P")


@dataclass
class _Groups:
    parent: list[int]
    size: list[int]
    n_register: list[int]
    has_core: list[bool]
    forbidden: dict[int, set[int]] = field(default_factory=dict)  # root -> nodes it may never join

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def can_join(self, ra: int, rb: int) -> bool:
        if self.n_register[ra] and self.n_register[rb]:
            return False
        for a, b in ((ra, rb), (rb, ra)):
            for node in self.forbidden.get(a, ()):
                if self.find(node) == b:
                    return False
        return True

    def join(self, ra: int, rb: int) -> None:
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        self.n_register[ra] += self.n_register[rb]
        self.has_core[ra] = self.has_core[ra] or self.has_core[rb]
        if rb in self.forbidden:
            self.forbidden.setdefault(ra, set()).update(self.forbidden.pop(rb))


def cluster(
    roles: Sequence[str],
    pairs: Iterable[tuple[int, int]],
    *,
    accepts: Iterable[tuple[int, int]] = (),
    rejects: Iterable[tuple[int, int]] = (),
) -> list[int]:
    """Cluster label (the smallest node of its cluster) for every node.

    roles: 'H' (HSSK), 'P' (register, duplicate-free) or 'A' (attaches to one person) per node.
    pairs: model pairs above the acceptance threshold, strongest first.
    accepts / rejects: reviewer decisions (same person / different people), oldest first.
    """
    n = len(roles)
    is_core = [role in CORE_ROLES for role in roles]
    groups = _Groups(
        parent=list(range(n)),
        size=[1] * n,
        n_register=[1 if role == "P" else 0 for role in roles],
        has_core=list(is_core),
    )
    for a, b in rejects:
        groups.forbidden.setdefault(a, set()).add(b)
        groups.forbidden.setdefault(b, set()).add(a)

    accepts = list(accepts)
    pairs = list(pairs)

    def try_join(a: int, b: int, *, attach_once: bool) -> None:
        ra, rb = groups.find(a), groups.find(b)
        if ra == rb:
            return
        if attach_once and groups.has_core[ra] and groups.has_core[rb]:
            return  # the attaching record already belongs to a person
        if groups.can_join(ra, rb):
            groups.join(ra, rb)

    # Phase 1: core records only.
    for a, b in accepts:
        if is_core[a] and is_core[b]:
            try_join(a, b, attach_once=False)
    for a, b in pairs:
        if is_core[a] and is_core[b]:
            try_join(a, b, attach_once=False)
    # Phase 2: attaching records, each to its single best person.
    for a, b in accepts:
        if not (is_core[a] and is_core[b]):
            try_join(a, b, attach_once=False)
    for a, b in pairs:
        if not (is_core[a] and is_core[b]):
            try_join(a, b, attach_once=True)

    smallest: dict[int, int] = {}
    roots = [groups.find(x) for x in range(n)]
    for x, root in enumerate(roots):
        if root not in smallest:
            smallest[root] = x  # nodes are visited in increasing order
    return [smallest[root] for root in roots]
