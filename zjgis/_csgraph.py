"""Edge lists as :mod:`scipy.sparse.csgraph` matrices (one builder for every analysis).

Road networks (:mod:`zjgis.network`) and cost matrices (:mod:`zjgis.jobshousing`)
both turn an undirected edge list into the symmetric sparse matrix that
:func:`scipy.sparse.csgraph.dijkstra` searches.  This module is that one builder.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from zjgis.errors import ValidationError

__all__ = ["adjacency"]


def adjacency(u: np.ndarray, v: np.ndarray, weight: np.ndarray, n: int, *,
              directed: bool = False) -> sparse.csr_matrix:
    """Symmetric ``n`` × ``n`` CSR matrix of an undirected edge list.

    Parameters
    ----------
    u, v : numpy.ndarray of int
        End nodes of each edge (0 … ``n`` - 1).
    weight : numpy.ndarray of float
        Cost of each edge (metres, seconds …); must be finite and >= 0.
    n : int
        Number of nodes.
    directed : bool
        Keep each edge as ``u → v`` only (default False: symmetric).

    Returns
    -------
    scipy.sparse.csr_matrix
        ``m[i, j] == m[j, i]`` is the weight of the *shortest* edge between
        nodes ``i`` and ``j`` (parallel edges keep the cheapest); self-loops are
        left out (they never shorten a path).  Entries are sorted by column in
        every row.

    Raises
    ------
    ValidationError
        Arrays of different lengths, a node id outside 0 … ``n`` - 1, or a
        weight that is NaN, infinite or negative (scipy would silently treat
        such an edge as absent or fail deep inside Dijkstra).

    Notes
    -----
    A zero weight is kept as an explicit entry, so a free edge still connects
    (scipy's csgraph reads explicit zeros of a CSR matrix as edges).

    Examples
    --------
    >>> import numpy as np
    >>> m = adjacency(np.array([0, 1, 1, 2]), np.array([1, 0, 2, 2]),
    ...               np.array([5.0, 3.0, 2.0, 1.0]), 3)
    >>> m.toarray()
    array([[0., 3., 0.],
           [3., 0., 2.],
           [0., 2., 0.]])
    """
    u = np.asarray(u)
    v = np.asarray(v)
    weight = np.asarray(weight, dtype=np.float64)
    if not (len(u) == len(v) == len(weight)):
        msg = (f"adjacency: u, v and weight must have one value per edge "
               f"(got {len(u)}, {len(v)} and {len(weight)})")
        raise ValidationError(msg)
    if len(u) and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
        msg = f"adjacency: node ids must lie in 0 … {n - 1}"
        raise ValidationError(msg)
    bad = ~np.isfinite(weight) | (weight < 0)
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        msg = (f"adjacency: {int(bad.sum())} edge weight(s) are NaN, infinite or negative "
               f"(first: edge {at}, weight {weight[at]}); costs must be finite and >= 0")
        raise ValidationError(msg)
    ok = u != v
    if directed:  # one entry u -> v per edge (directed graphs, e.g. osmnx one-ways)
        i, j, w = u[ok].astype(np.int64), v[ok].astype(np.int64), weight[ok]
    else:
        i = np.concatenate([u[ok], v[ok]]).astype(np.int64)
        j = np.concatenate([v[ok], u[ok]]).astype(np.int64)
        w = np.concatenate([weight[ok], weight[ok]])
    key = i * n + j
    order = np.argsort(key, kind="stable")
    key, w = key[order], w[order]
    first = np.r_[True, key[1:] != key[:-1]] if len(key) else np.empty(0, bool)
    if not first.all():  # parallel edges: keep the shortest
        w = np.minimum.reduceat(w, np.nonzero(first)[0])
        key = key[first]
    rows = key // n
    indptr = np.searchsorted(rows, np.arange(n + 1)).astype(np.int64)
    return sparse.csr_matrix((w, key % n, indptr), shape=(n, n))
