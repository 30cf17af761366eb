"""Clustering of accepted pairs into people, with the register as a duplicate-free anchor.

Greedy and deterministic, strongest evidence first (like Kruskal's algorithm with constraints):
1. core records (HSSK and register): reviewer accepts, then model pairs by falling match weight;
   two groups are joined unless that would put two register records, or two records a reviewer
   rejected, into one person;
2. attaching records (deaths, insurance, care): reviewer accepts, then each joins the person of
   its single best partner.
A record whose two best candidates are different people scoring within AMBIGUITY_MARGIN of each
other (namesakes born the same day, and nothing else to tell them apart) is linked to neither:
it waits for a reviewer instead of being guessed. For HSSK records this applies to their register
candidates; for attaching records to the people found in step 1.
Nodes are integers 0..n-1; callers map them to record keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

CORE_ROLES = ("H", "P")
# Match weights are log2 Bayes factors: within 3 of each other = less than 8 times more likely.
AMBIGUITY_MARGIN = 3.0


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


def _ambiguous_hssk(roles: Sequence[str], pairs: list[tuple[int, int, float]], margin: float) -> set[int]:
    """HSSK records whose two best register candidates are too close to choose between."""
    best: dict[int, list[float]] = {}
    for a, b, weight in pairs:  # strongest first, so the first two seen per record are its best two
        for h, other in ((a, b), (b, a)):
            if roles[h] == "H" and roles[other] == "P":
                seen = best.setdefault(h, [])
                if len(seen) < 2:
                    seen.append(weight)
    return {h for h, weights in best.items() if len(weights) == 2 and weights[0] - weights[1] < margin}


def cluster(
    roles: Sequence[str],
    pairs: Iterable[tuple[int, int, float]],
    *,
    accepts: Iterable[tuple[int, int]] = (),
    rejects: Iterable[tuple[int, int]] = (),
    margin: float = AMBIGUITY_MARGIN,
) -> list[int]:
    """Cluster label (the smallest node of its cluster) for every node.

    roles: 'H' (HSSK), 'P' (register, duplicate-free) or 'A' (attaches to one person) per node.
    pairs: (a, b, match_weight) of model pairs above the acceptance threshold, strongest first.
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
    ambiguous = _ambiguous_hssk(roles, pairs, margin)

    def try_join(a: int, b: int) -> None:
        ra, rb = groups.find(a), groups.find(b)
        if ra != rb and groups.can_join(ra, rb):
            groups.join(ra, rb)

    # Phase 1: core records only.
    for a, b in accepts:
        if is_core[a] and is_core[b]:
            try_join(a, b)
    for a, b, _ in pairs:
        if is_core[a] and is_core[b]:
            if roles[a] != roles[b] and (a in ambiguous or b in ambiguous):
                continue  # an HSSK record between two namesakes of the register
            try_join(a, b)

    # Phase 2: attaching records, each to its single best person (unless two people tie).
    for a, b in accepts:
        if not (is_core[a] and is_core[b]):
            try_join(a, b)
    candidates: dict[int, list[tuple[float, int]]] = {}
    for a, b, weight in pairs:
        if not (is_core[a] and is_core[b]):
            for x, other in ((a, b), (b, a)):
                if not is_core[x]:
                    candidates.setdefault(x, []).append((weight, other))
    for x, options in candidates.items():
        if groups.has_core[groups.find(x)]:
            continue  # a reviewer already attached it
        best_weight, best = options[0]
        best_root = groups.find(best)
        rival = next((w for w, other in options[1:] if groups.find(other) != best_root), None)
        if rival is not None and best_weight - rival < margin:
            continue
        try_join(x, best)

    smallest: dict[int, int] = {}
    roots = [groups.find(x) for x in range(n)]
    for x, root in enumerate(roots):
        if root not in smallest:
            smallest[root] = x  # nodes are visited in increasing order
    return [smallest[root] for root in roots]
