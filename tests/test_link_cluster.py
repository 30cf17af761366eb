"""The constrained clustering: register records stay apart, rejects hold, attaching records join once."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hssk.link import cluster as clustering


def cluster(roles, pairs, **kwargs) -> list[int]:
    """The fast clustering, checked against the one-pair-at-a-time reference on every call."""
    fast = clustering.cluster(roles, pairs, **kwargs).tolist()
    assert fast == clustering.greedy(roles, pairs, **kwargs)
    return fast


def ranked(*pairs: tuple[int, int]) -> list[tuple[int, int, float]]:
    """Pairs strongest first, 10 match-weight points apart (far from ambiguous)."""
    return [(a, b, 100.0 - 10 * i) for i, (a, b) in enumerate(pairs)]


def groups(labels: list[int]) -> set[frozenset[int]]:
    out: dict[int, set[int]] = {}
    for node, label in enumerate(labels):
        out.setdefault(label, set()).add(node)
    return {frozenset(g) for g in out.values()}


def test_hssk_duplicates_join_their_register_person():
    # 0 = register, 1 and 2 = two HSSK records of that person
    labels = cluster(["P", "H", "H"], ranked((0, 1), (1, 2)))
    assert groups(labels) == {frozenset({0, 1, 2})}
    assert labels == [0, 0, 0]  # the label is the smallest node


def test_two_register_records_are_never_joined_even_through_hssk():
    # H1 links strongly to P0, weakly to P2: it stays with P0 and P2 stays alone
    labels = cluster(["P", "H", "P"], ranked((0, 1), (1, 2)))
    assert groups(labels) == {frozenset({0, 1}), frozenset({2})}


def test_strongest_pair_wins_the_register_record():
    # edges come strongest first: H2–P0 before H1–P0 and H1–H2 … H1 is a twin of H2 linked to P3
    labels = cluster(["P", "H", "H", "P"], ranked((2, 0), (1, 3), (1, 2)))
    assert groups(labels) == {frozenset({0, 2}), frozenset({1, 3})}


def test_reject_keeps_records_apart_even_through_a_third_record():
    labels = cluster(["H", "H", "H"], ranked((0, 1), (1, 2)), rejects=[(0, 2)])
    assert groups(labels) == {frozenset({0, 1}), frozenset({2})}


def test_accept_adds_a_link_the_model_missed():
    labels = cluster(["P", "H", "H"], ranked((0, 1)), accepts=[(1, 2)])
    assert groups(labels) == {frozenset({0, 1, 2})}


def test_accept_cannot_join_two_register_people():
    labels = cluster(["P", "P"], [], accepts=[(0, 1)])
    assert groups(labels) == {frozenset({0}), frozenset({1})}


def test_attaching_record_joins_only_its_best_person():
    # a death record (2) scores with P0 best, then with P1: it joins P0 only
    labels = cluster(["P", "P", "A"], ranked((2, 0), (2, 1)))
    assert groups(labels) == {frozenset({0, 2}), frozenset({1})}


def test_attaching_records_do_not_bridge_two_hssk_people():
    # care record 2 links to H0 and H1 (two people); H0 and H1 must not merge through it
    labels = cluster(["H", "H", "A"], ranked((2, 0), (2, 1)))
    assert groups(labels) == {frozenset({0, 2}), frozenset({1})}


def test_attaching_records_wait_for_the_core_people():
    # the A–H pair comes first in the list, but H1 joins P0 in the core phase, so A ends with both
    labels = cluster(["P", "H", "A"], ranked((2, 1), (0, 1)))
    assert groups(labels) == {frozenset({0, 1, 2})}


def test_unlinked_records_are_alone_and_empty_input_is_fine():
    assert cluster(["H", "A", "P"], []) == [0, 1, 2]
    assert cluster([], []) == []


def test_attaching_record_between_two_equally_likely_people_waits_for_review():
    # a care record with name and birth date only, matching two namesakes born the same day
    labels = cluster(["P", "P", "A"], [(2, 0, 12.0), (2, 1, 11.5)])
    assert groups(labels) == {frozenset({0}), frozenset({1}), frozenset({2})}


def test_attaching_record_to_two_records_of_one_person_is_not_ambiguous():
    labels = cluster(["P", "H", "A"], [(0, 1, 30.0), (2, 0, 12.0), (2, 1, 11.9)])
    assert groups(labels) == {frozenset({0, 1, 2})}


def test_hssk_record_between_two_register_namesakes_waits_for_review():
    labels = cluster(["P", "P", "H"], [(2, 0, 14.0), (2, 1, 13.0)])
    assert groups(labels) == {frozenset({0}), frozenset({1}), frozenset({2})}
    # a clear winner is linked
    labels = cluster(["P", "P", "H"], [(2, 0, 20.0), (2, 1, 13.0)])
    assert groups(labels) == {frozenset({0, 2}), frozenset({1})}


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 14))
    roles = draw(st.lists(st.sampled_from("HHPA"), min_size=n, max_size=n))
    node = st.integers(0, n - 1)
    edges = draw(st.lists(st.tuples(node, node, st.sampled_from([5.0, 7.0, 9.0, 9.5, 12.0, 20.0])), max_size=25))
    # no duplicate pairs, no self pairs, no two attaching records (the model never scores those)
    seen, pairs = set(), []
    for a, b, w in edges:
        key = (min(a, b), max(a, b))
        if a != b and key not in seen and not (roles[a] == roles[b] == "A"):
            seen.add(key)
            pairs.append((a, b, w))
    pairs.sort(key=lambda p: -p[2])
    decisions = st.lists(st.tuples(node, node).filter(lambda p: p[0] != p[1]), max_size=3)
    return roles, pairs, draw(decisions), draw(decisions)


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_fast_clustering_equals_the_reference_rule(graph):
    roles, pairs, accepts, rejects = graph
    labels = cluster(roles, pairs, accepts=accepts, rejects=rejects)
    registers = [labels[i] for i, role in enumerate(roles) if role == "P"]
    assert len(registers) == len(set(registers)), "two register records in one person"
    for a, b in rejects:
        assert labels[a] != labels[b], "a rejected pair ended in one person"


def test_arrays_are_accepted_as_pairs():
    pairs = (np.array([0, 1]), np.array([1, 2]), np.array([30.0, 20.0]))
    assert clustering.cluster(np.array([1, 0, 2], dtype=np.int8), pairs).tolist() == [0, 0, 0]
