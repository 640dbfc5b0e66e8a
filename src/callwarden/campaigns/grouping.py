"""Group linked numbers into campaigns without letting a shared list merge two operations.

List evidence (shared callees, shared ranges, hand-over timing) says "these numbers dial one
purchased list". Lists are resold, so two operations on one platform trunk can dial the same
list through the same ingress: list edges between them are real, and plenty. What a list does
not share is the *operation's identity*: the network-asserted identity (PAI) its trunk account
sends. Two numbers whose calls carry two different asserted identities, and no common one,
belong to two trunk accounts, i.e. two operations, however much of a list they share.

``constrained_groups`` therefore replaces plain connected components inside any component
that carries two or more asserted identities: edges are taken strongest first (identity edges,
then list edges by normalised strength) into a union-find that refuses a union whose two sides
both carry asserted identities with none in common. A number without an asserted identity joins
the side it is most strongly linked to. Components with at most one asserted identity (and
every component when no PAI is present, as on most interconnects) keep plain connectivity.

Where a component carries no asserted identity at all, ``sequence_tags`` stands in for it: a
chain of list hand-overs (the next rotated number dialling the next entries seconds later,
``sequence`` edges) of at least ``min_group`` numbers is one dialer, so two such chains are
two operations unless their other evidence is identity evidence. The cost: an operation whose
numbers hand over in several separate chains (one per callee city when it displays local
numbers) is split.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def components_of(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label per node (``scipy.sparse.csgraph``)."""
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    return np.asarray(connected_components(graph, directed=False)[1], dtype=np.int64)


def constrained_groups(
    n: int,
    a: np.ndarray,
    b: np.ndarray,
    order: np.ndarray,
    tags: dict[int, frozenset[int]],
) -> np.ndarray:
    """Group label per node (``0..n-1``) from edges ``a``-``b``.

    ``order``: rank of each edge, lower first (strongest evidence first; equal ranks by
    ``(a, b)``, so the edges' order does not matter). ``tags``: node ->
    its asserted identities (nodes without any are absent). Inside a component whose nodes
    carry two or more distinct identities, a union is refused when both sides carry
    identities and share none; elsewhere groups are the plain components.
    """
    labels = components_of(n, a, b)
    if len({t for ts in tags.values() for t in ts}) < 2 or len(a) == 0:
        return labels
    # Components that need the constrained pass: two or more distinct identities inside.
    per_comp: dict[int, set[int]] = {}
    for node, ts in tags.items():
        per_comp.setdefault(int(labels[node]), set()).update(ts)
    mixed = np.array(sorted(c for c, ts in per_comp.items() if len(ts) >= 2), dtype=np.int64)
    if not len(mixed):
        return labels
    sel = np.isin(labels[a], mixed)
    ea, eb = a[sel], b[sel]
    # Equal ranks are common (every identity edge ranks the same): break ties by the edge
    # itself, so the groups do not depend on the order the edges came in.
    rank = np.lexsort((eb, ea, order[sel]))
    parent = np.arange(n, dtype=np.int64)
    tag: dict[int, frozenset[int]] = dict(tags)

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = int(parent[root])
        while parent[x] != root:  # path compression
            x, parent[x] = int(parent[x]), root
        return root

    for i in rank.tolist():
        ra, rb = find(int(ea[i])), find(int(eb[i]))
        if ra == rb:
            continue
        ta, tb = tag.get(ra, frozenset()), tag.get(rb, frozenset())
        if ta and tb and not (ta & tb):
            continue  # two trunk accounts: a shared list, not one operation
        parent[rb] = ra
        if tb:
            tag[ra] = ta | tb
    # Relabel: nodes of mixed components take their union-find root (offset past the
    # plain labels so the two numberings cannot collide).
    out = labels.copy()
    inside = np.flatnonzero(np.isin(labels, mixed))
    roots = np.array([find(int(x)) for x in inside], dtype=np.int64)
    out[inside] = int(labels.max()) + 1 + roots
    return out


def sequence_tags(
    n: int,
    a: np.ndarray,
    b: np.ndarray,
    seq: np.ndarray,
    pai: dict[int, set[int]],
    min_group: int,
) -> dict[int, int]:
    """Node -> a stand-in identity (negative, so it cannot equal a PAI) for nodes in a
    hand-over chain (components of the ``seq`` edges) of at least ``min_group`` nodes, only in
    components of the whole graph that carry no asserted identity."""
    if not seq.any():
        return {}
    whole = components_of(n, a, b)
    with_pai = {int(whole[k]) for k in pai}
    chain = components_of(n, a[seq], b[seq])
    size = np.bincount(chain, minlength=n)
    keep = (size[chain] >= min_group) & ~np.isin(whole, np.array(sorted(with_pai), dtype=np.int64))
    return {int(k): -1 - int(chain[k]) for k in np.flatnonzero(keep)}
