"""Clustering of accepted pairs into people, with the register as a duplicate-free anchor.

The rule (`greedy`, the reference): strongest evidence first, like Kruskal's algorithm with constraints.
1. core records (HSSK and register): reviewer accepts, then model pairs by falling match weight;
   two groups are joined unless that would put two register records, or two records a reviewer
   rejected, into one person;
2. attaching records (deaths, insurance, care): reviewer accepts, then each joins the person of
   its single best partner.
A record whose two best candidates are different people scoring within AMBIGUITY_MARGIN of each
other (namesakes born the same day, and nothing else to tell them apart) is linked to neither:
it waits for a reviewer instead of being guessed. For HSSK records this applies to their register
candidates; for attaching records to the people found in step 1.

`cluster` gives the same answer as `greedy` but fast: connected components in numpy, the greedy
only inside the rare components that break a constraint, and the attach step vectorised.
Nodes are integers 0..n-1; callers map them to record keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

CORE_ROLES = ("H", "P")
# Match weights are log2 Bayes factors: within 3 of each other = less than 8 times more likely.
AMBIGUITY_MARGIN = 3.0

Pair = tuple[int, int, float]


@dataclass
class _Groups:
    parent: list[int] | np.ndarray
    size: list[int] | np.ndarray
    n_register: list[int] | np.ndarray
    has_core: list[bool] | np.ndarray
    forbidden: dict[int, set[int]] = field(default_factory=dict)  # root -> nodes it may never join

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
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

    def try_join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb and self.can_join(ra, rb):
            self.join(ra, rb)

    def labels(self) -> list[int]:
        """The smallest node of its group, per node."""
        return self.label_array().tolist()

    def root_array(self) -> np.ndarray:
        parent = np.asarray(self.parent, dtype=np.int64)
        while True:  # pointer jumping until every node points at its root
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                return parent
            parent = jumped

    def label_array(self) -> np.ndarray:
        root = self.root_array()
        smallest = np.full(len(root), len(root), dtype=np.int64)
        np.minimum.at(smallest, root, np.arange(len(root)))
        return smallest[root]

    @classmethod
    def from_parent(cls, parent: np.ndarray, role: np.ndarray, rejects) -> _Groups:
        """A state whose groups are the nodes sharing `parent` (a member node, pointing at itself)."""
        n = len(parent)
        groups = cls(parent=parent.astype(np.int64),
                     size=np.bincount(parent, minlength=n).astype(np.int64),
                     n_register=np.bincount(parent, weights=(role == 1), minlength=n).astype(np.int64),
                     has_core=np.bincount(parent, weights=(role < 2), minlength=n) > 0)
        for a, b in rejects:
            groups.forbidden.setdefault(groups.find(a), set()).add(b)
            groups.forbidden.setdefault(groups.find(b), set()).add(a)
        return groups


def _new_groups(roles: Sequence[str], rejects: Iterable[tuple[int, int]]) -> _Groups:
    n = len(roles)
    groups = _Groups(parent=list(range(n)), size=[1] * n, n_register=[int(r == "P") for r in roles],
                     has_core=[r in CORE_ROLES for r in roles])
    for a, b in rejects:
        groups.forbidden.setdefault(a, set()).add(b)
        groups.forbidden.setdefault(b, set()).add(a)
    return groups


def _ambiguous_hssk(roles: Sequence[str], pairs: list[Pair], margin: float) -> set[int]:
    """HSSK records whose two best register candidates are too close to choose between."""
    best: dict[int, list[float]] = {}
    for a, b, weight in pairs:  # strongest first, so the first two seen per record are its best two
        for h, other in ((a, b), (b, a)):
            if roles[h] == "H" and roles[other] == "P":
                seen = best.setdefault(h, [])
                if len(seen) < 2:
                    seen.append(weight)
    return {h for h, weights in best.items() if len(weights) == 2 and weights[0] - weights[1] < margin}


def greedy(
    roles: Sequence[str],
    pairs: Iterable[Pair],
    *,
    accepts: Iterable[tuple[int, int]] = (),
    rejects: Iterable[tuple[int, int]] = (),
    margin: float = AMBIGUITY_MARGIN,
) -> list[int]:
    """The clustering rule, one pair at a time (reference for `cluster`; fine for small inputs)."""
    is_core = [role in CORE_ROLES for role in roles]
    groups = _new_groups(roles, rejects)
    accepts, pairs = list(accepts), list(pairs)
    ambiguous = _ambiguous_hssk(roles, pairs, margin)
    _core_phase(groups, roles, pairs, accepts, ambiguous)
    for a, b in accepts:
        if not (is_core[a] and is_core[b]):
            groups.try_join(a, b)
    candidates: dict[int, list[tuple[float, int]]] = {}
    for a, b, weight in pairs:
        if not (is_core[a] and is_core[b]):
            for x, other in ((a, b), (b, a)):
                if not is_core[x]:
                    candidates.setdefault(x, []).append((weight, other))
    for x, options in candidates.items():
        _attach(groups, x, options, margin)
    return groups.labels()


def _core_phase(groups: _Groups, roles, pairs: list[Pair], accepts, ambiguous: set[int]) -> None:
    for a, b in accepts:
        if roles[a] in CORE_ROLES and roles[b] in CORE_ROLES:
            groups.try_join(a, b)
    for a, b, _ in pairs:
        if roles[a] in CORE_ROLES and roles[b] in CORE_ROLES:
            if roles[a] != roles[b] and (a in ambiguous or b in ambiguous):
                continue  # an HSSK record between two namesakes of the register
            groups.try_join(a, b)


def _attach(groups: _Groups, x: int, options: list[tuple[float, int]], margin: float) -> None:
    """Join attaching record x to its best person, unless already attached or two people tie."""
    if groups.has_core[groups.find(x)]:
        return  # a reviewer already attached it
    best_weight, best = options[0]
    best_root = groups.find(best)
    rival = next((w for w, other in options[1:] if groups.find(other) != best_root), None)
    if rival is not None and best_weight - rival < margin:
        return
    groups.try_join(x, best)


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label (smallest node) per node, by min-label propagation."""
    label = np.arange(n, dtype=np.int64)
    if len(a) == 0:
        return label
    while True:
        low = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        while True:  # pointer jumping: follow labels to their own label
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, label):
            return label
        label = new


ROLE_NAMES = np.array(["H", "P", "A"])


def role_codes(roles) -> np.ndarray:
    """0 = HSSK, 1 = register, 2 = attaching, from role letters (or codes already)."""
    if isinstance(roles, np.ndarray) and roles.dtype.kind in "iu":
        return roles.astype(np.int8, copy=False)
    return np.fromiter(({"H": 0, "P": 1}.get(r, 2) for r in roles), dtype=np.int8, count=len(roles))


def _as_arrays(pairs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a, b, w) arrays from a list of (a, b, w) tuples or from a tuple of three arrays."""
    if isinstance(pairs, tuple) and len(pairs) == 3 and isinstance(pairs[0], np.ndarray):
        a, b, w = pairs
        return a.astype(np.int64, copy=False), b.astype(np.int64, copy=False), w.astype(np.float64, copy=False)
    pairs = list(pairs)
    if not pairs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    a, b, w = zip(*pairs)
    return np.array(a, np.int64), np.array(b, np.int64), np.array(w, np.float64)


def cluster(
    roles: Sequence[str] | np.ndarray,
    pairs,
    *,
    accepts: Iterable[tuple[int, int]] = (),
    rejects: Iterable[tuple[int, int]] = (),
    margin: float = AMBIGUITY_MARGIN,
) -> np.ndarray:
    """Cluster label (the smallest node of its cluster) for every node — the same answer as `greedy`.

    roles: 'H' (HSSK), 'P' (register, duplicate-free) or 'A' (attaches to one person) per node.
    pairs: model pairs above the acceptance threshold, strongest first: a list of (a, b, match_weight)
    or a tuple of three arrays (a, b, match_weight).
    accepts / rejects: reviewer decisions (same person / different people), oldest first.
    """
    n = len(roles)
    accepts = [(int(a), int(b)) for a, b in accepts]
    rejects = [(int(a), int(b)) for a, b in rejects]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    role = role_codes(roles)
    is_core = role < 2
    pa, pb, pw = _as_arrays(pairs)
    acc = np.array(accepts, dtype=np.int64).reshape(-1, 2)
    rej = np.array(rejects, dtype=np.int64).reshape(-1, 2)

    # Core phase: components of core pairs (minus ambiguous HSSK–register ones) and core accepts.
    core_pair = is_core[pa] & is_core[pb]
    ambiguous = _ambiguous_hssk_np(role, pa, pb, pw, margin)
    mixed = role[pa] != role[pb]
    keep = core_pair & ~(mixed & (ambiguous[pa] | ambiguous[pb]))
    core_acc = acc[is_core[acc[:, 0]] & is_core[acc[:, 1]]]
    comp = _components(n, np.concatenate([pa[keep], core_acc[:, 0]]), np.concatenate([pb[keep], core_acc[:, 1]]))

    # Components that break a constraint get the exact greedy; the rest are simply connected.
    n_register = np.bincount(comp, weights=(role == 1), minlength=n)
    hard = n_register[comp] > 1
    if len(rej):
        inside = comp[rej[:, 0]] == comp[rej[:, 1]]
        hard |= np.isin(comp, comp[rej[inside, 0]])
    parent = comp.copy()
    if hard.any():
        _resolve_hard(parent, hard, role, (pa[keep], pb[keep]), core_acc, rejects)

    # Attach phase, on a union-find state holding the core result.
    groups = _Groups.from_parent(parent, role, rejects)
    for a, b in accepts:
        if not (is_core[a] and is_core[b]):
            groups.try_join(a, b)
    _attach_all(groups, role, pa[~core_pair], pb[~core_pair], pw[~core_pair], margin)
    return groups.label_array()


def _ambiguous_hssk_np(role, pa, pb, pw, margin) -> np.ndarray:
    """Vectorised `_ambiguous_hssk`: a flag per node."""
    flag = np.zeros(len(role), dtype=bool)
    hp = (role[pa].astype(np.int16) + role[pb]) == 1  # one HSSK (0) and one register (1) record
    if not hp.any():
        return flag
    h = np.where(role[pa[hp]] == 0, pa[hp], pb[hp])
    w = pw[hp]
    order = np.argsort(h, kind="stable")  # keeps strongest-first within each record
    h, w = h[order], w[order]
    first = np.r_[True, h[1:] != h[:-1]]
    second = np.r_[False, first[:-1]] & ~first
    idx = np.flatnonzero(second)
    close = (w[idx - 1] - w[idx]) < margin
    flag[h[idx[close]]] = True
    return flag


def _resolve_hard(parent, hard, role, kept_pairs, core_acc, rejects) -> None:
    """Run the greedy core phase inside the hard components only (they are independent)."""
    nodes = np.flatnonzero(hard)
    local = np.full(len(parent), -1, dtype=np.int64)
    local[nodes] = np.arange(len(nodes))
    ka, kb = kept_pairs
    inside = hard[ka]
    sub_pairs = list(zip(local[ka[inside]].tolist(), local[kb[inside]].tolist(), [0.0] * int(inside.sum())))
    sub_acc = [(int(local[a]), int(local[b])) for a, b in core_acc if hard[a]]
    sub_rej = [(int(local[a]), int(local[b])) for a, b in rejects if hard[a] and hard[b]]
    sub_roles = ROLE_NAMES[role[nodes]].tolist()
    groups = _new_groups(sub_roles, sub_rej)
    _core_phase(groups, sub_roles, sub_pairs, sub_acc, ambiguous=set())  # ambiguous pairs already dropped
    parent[nodes] = nodes[np.array(groups.labels(), dtype=np.int64)]


def _attach_all(groups: _Groups, role, a, b, w, margin) -> None:
    """Each attaching record joins its best person unless two people tie (vectorised fast path)."""
    if len(a) == 0:
        return
    x = np.where(role[a] == 2, a, b)  # the attaching record
    t = np.where(role[a] == 2, b, a)  # its candidate
    order = np.argsort(x, kind="stable")
    x, t, w = x[order], t[order], w[order]
    root = groups.root_array()
    starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])
    ends = np.r_[starts[1:], len(x)]
    row_group = np.repeat(np.arange(len(starts)), ends - starts)
    best_root = root[t[starts]]
    differs = root[t] != best_root[row_group]
    first_rival = np.full(len(starts), len(x))
    rows = np.flatnonzero(differs)
    np.minimum.at(first_rival, row_group[rows], rows)
    rival_w = np.where(first_rival < len(x), w[np.minimum(first_rival, len(x) - 1)], -np.inf)
    clear = (w[starts] - rival_w) >= margin
    xs = x[starts]
    target_core = role[t[starts]] < 2
    lone = (root[xs] == xs) & (np.bincount(root, minlength=len(root))[xs] == 1)
    constrained = np.isin(xs, np.fromiter(groups.forbidden.keys(), dtype=np.int64, count=len(groups.forbidden)))
    simple = clear & lone & target_core & ~constrained
    # Fast path: a lone attaching record with a clear best person takes that person's group.
    groups.parent[xs[simple]] = best_root[simple]
    np.add.at(groups.size, best_root[simple], 1)
    # The rest (ties, accepted groups, reject constraints): the reference rule, record by record,
    # in the order the reference meets them (by their strongest pair).
    rest = np.flatnonzero(~simple & clear)
    for i in rest[np.argsort(order[starts[rest]], kind="stable")].tolist():
        lo, hi = starts[i], ends[i]
        _attach(groups, int(x[lo]), list(zip(w[lo:hi].tolist(), t[lo:hi].tolist())), margin)
