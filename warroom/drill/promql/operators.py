"""PromQL's aggregation operators (``sum by``, ``topk``, ``count_values`` ...) and binary operators
(arithmetic, comparisons, ``and or unless``, vector matching) over columns, as Prometheus 2 does."""

from __future__ import annotations

import math
from collections.abc import Callable

from warroom.drill.promql.catalog import Labels, PromQLError
from warroom.drill.promql.columns import LABEL_NAME, Col, Scalar, Vec, kept, present, relabelled, split
from warroom.drill.promql.folds import FOLDS, quantile
from warroom.drill.promql.maths import COMPARISONS, OPS, go_float
from warroom.syntax.promql import Aggregate, Binary, Node, String


def aggregate(node: Aggregate, value_of: Callable[[Node], Scalar | Vec], n: int) -> Vec:
    """``node`` (``sum by (...) (x)`` ...) at each of ``n`` times; ``value_of`` evaluates its operands."""
    op = node.op
    if op not in FOLDS and op not in ("topk", "bottomk", "quantile", "count_values"):
        raise PromQLError(f"aggregation {op!r} is not supported in drills")
    v = value_of(node.expr)  # type: ignore[arg-type]
    by, without = split(node.grouping, not node.without)
    name = by is not None and "__name__" in by             # by (__name__) keeps it; without drops it
    if op == "count_values":       # a group per value (Go's shortest decimal) in a label named by the param
        label = node.param.val if isinstance(node.param, String) else ""
        if not LABEL_NAME.fullmatch(label):
            raise PromQLError(f"invalid label name {label!r}")
        v = [(tuple(sorted({**dict(lab), label: text}.items())), [1.0 if x == text else None for x in texts])
             for lab, col in v for texts in [[None if y is None else go_float(y) for y in col]]
             for text in dict.fromkeys(texts) if text is not None]
        by, op = (None if without is not None else [*(by or []), label]), "count"
    keys = [() if by is None and without is None else kept(lab, by, without, name=name) for lab, _ in v]
    if op in ("topk", "bottomk"):
        return top(v, keys, value_of(node.param), op == "topk", n)  # type: ignore[arg-type]
    groups: dict[Labels, list[Col]] = {}
    for key, (_, col) in zip(keys, v, strict=True):
        groups.setdefault(key, []).append(col)
    q = value_of(node.param) if op == "quantile" else None
    fold = FOLDS.get(op) if op[:3] != "std" else lambda vs: FOLDS[op](vs) if len(vs) > 1 else 0.0  # Welford's 0
    return [(key, [(quantile(q[j], p) if q else fold(p)) if p else None  # type: ignore[misc]
                   for j, p in enumerate(present(cols, n))]) for key, cols in groups.items()]


def top(v: Vec, keys: list[Labels], k: Scalar, highest: bool, n: int) -> Vec:
    """topk/bottomk: per time, the k highest (lowest) of each group; the others absent then. Ties
    go as in Prometheus: its heap of k, fed the series in the order its argument gives them (a
    selector's: storage order, by label set; ``a or b``: a's, then b's), as an instant query does."""
    cols: list[Col] = [list(col) for _, col in v]
    for j in range(n):
        if not abs(k[j]) < 2.0 ** 63:
            raise PromQLError(f"scalar value {k[j]} overflows int64 (the k of {'topk' if highest else 'bottomk'})")
        heaps: dict[Labels, list[int]] = {}
        now = [c[j] for c in cols]          # this time's column, once (not once per series offered)
        for i in range(len(v)):
            if now[i] is not None:
                _heap_offer(heaps.setdefault(keys[i], []), i, now, int(k[j]), highest)
        kept_now = {i for heap in heaps.values() for i in heap}
        for i, col in enumerate(cols):
            if i not in kept_now:
                col[j] = None
    return [(lab, col) for (lab, _), col in zip(v, cols, strict=True) if any(x is not None for x in col)]


def _heap_offer(heap: list[int], i: int, values: list[float], k: int, highest: bool) -> None:
    """Offer sample ``i`` to one group's topk (bottomk) heap of at most ``k``, as Prometheus 2 does with
    Go's container/heap (ties and NaNs fall as there): the weakest on top, NaN weakest; a full heap
    takes a stronger one, or any over a NaN top, by popping its top."""
    def less(a: int, b: int) -> bool:
        return math.isnan(values[a]) or (values[a] < values[b] if highest else values[a] > values[b])
    if not (len(heap) < k or (heap and less(heap[0], i))):
        return
    if len(heap) >= k:
        heap[0], j = heap[-1], 0                    # Go's heap.Pop: the last on top, sifted down
        heap.pop()
        while (c := 2 * j + 1) < len(heap):
            c += c + 1 < len(heap) and less(heap[c + 1], heap[c])
            if not less(heap[c], heap[j]):
                break
            heap[j], heap[c], j = heap[c], heap[j], c
    heap.append(i)                                  # Go's heap.Push: sifted up
    j = len(heap) - 1
    while j and less(heap[j], heap[(j - 1) // 2]):
        heap[j], heap[(j - 1) // 2], j = heap[(j - 1) // 2], heap[j], (j - 1) // 2


def binary(node: Binary, value_of: Callable[[Node], Scalar | Vec], n: int) -> Scalar | Vec:
    """``node`` (``a + b``, ``a > bool b``, ``a and on (x) b`` ...) at each of ``n`` times; ``value_of`` as above."""
    op = node.op
    left, right = value_of(node.lhs), value_of(node.rhs)
    if op in ("and", "or", "unless"):
        return set_op(op, left, right, *split(node.matching, node.on), n)  # type: ignore[arg-type]
    if isinstance(left, Scalar) and isinstance(right, Scalar):
        return Scalar(OPS[op](a, b) for a, b in zip(left, right, strict=True))
    filtering = op in COMPARISONS and not node.bool
    name = filtering or op == "atan2"        # Prometheus 2 drops the name for arithmetic and bool only
    # (result labels, what must be unique at a time, left column, right column, the column a true
    # comparison keeps: the vector's, or the left)
    if isinstance(left, Scalar):
        pairs = [(kept(lab, None, None, name=name), lab, left, col, col) for lab, col in right]
    elif isinstance(right, Scalar):
        pairs = [(kept(lab, None, None, name=name), lab, col, right, col) for lab, col in left]
    else:
        pairs = match(left, right, node, name, n)
    out: dict[Labels, Col] = {}
    taken: dict[Labels, list[bool]] = {}
    for lab, unique, a_col, b_col, keep in pairs:       # as Prometheus: a result, then its uniqueness
        res, seen = out.setdefault(lab, [None] * n), taken.setdefault(unique, [False] * n)
        for j, (a, b, x) in enumerate(zip(a_col, b_col, keep, strict=True)):
            r = None if a is None or b is None else OPS[op](a, b)
            if (r := (x if r else None) if filtering else r) is None:
                continue
            if res[j] is not None or seen[j]:
                raise PromQLError("vector cannot contain metrics with the same labelset" if res[j] is not None
                                  else f"several series match {dict(unique)}: many-to-one matching must be "
                                  "explicit (group_left/group_right)")
            res[j], seen[j] = r, True
    return list(out.items())


def match(left: Vec, right: Vec, node: Binary, name: bool, n: int) -> list[tuple[Labels, Labels, Col, Col, Col]]:
    """Vector matching, per time as Prometheus matches (nothing when a side is empty then): each
    series of the "many" side (the left, unless ``group_right``) with the series of the other
    side of the same match labels; labels as Prometheus' resultMetric."""
    on, ignoring = split(node.matching, node.on)
    flip = node.card == "one-to-many"
    many, one = (right, left) if flip else (left, right)
    mkeys, okeys = [kept(lab, on, ignoring) for lab, _ in many], [kept(lab, on, ignoring) for lab, _ in one]
    pairs: dict[tuple[int, int], tuple[Col, Col]] = {}
    for j in range(n):
        if all(c[j] is None for _, c in many):
            continue
        index: dict[Labels, int] = {}
        for i, (key, (_, col)) in enumerate(zip(okeys, one, strict=True)):
            if col[j] is not None and index.setdefault(key, i) != i:
                raise PromQLError(f"many-to-many matching: several series on the {'left' if flip else 'right'} "
                                  f"match {dict(key)}; aggregate first (e.g. sum by (...))")
        for i, (key, (_, col)) in enumerate(zip(mkeys, many, strict=True)):
            if col[j] is not None and (o := index.get(key)) is not None:
                pair = pairs.setdefault((i, o), ([None] * n, [None] * n))
                pair[0][j], pair[1][j] = col[j], one[o][1][j]
    out = []
    for (i, o), (m, other) in pairs.items():
        if node.card == "one-to-one":
            res, unique = kept(many[i][0], on, ignoring, name=name), mkeys[i]
        else:       # group_left/right(labels): the many side's labels, those named taken from the one side
            res = kept(many[i][0], None, None, name=name)
            for ln in node.include:
                res = relabelled(res, ln, dict(one[o][0]).get(ln, ""))
            unique = res
        out.append((res, unique, other, m, other) if flip else (res, unique, m, other, m))
    return out


def set_op(op: str, left: Vec, right: Vec, on: list[str] | None, ignoring: list[str] | None, n: int) -> Vec:
    """``and``/``or``/``unless``, decided per time on the series present then."""
    rkeys = [kept(lab, on, ignoring) for lab, _ in right]
    lkeys = [kept(lab, on, ignoring) for lab, _ in left]
    present_r = [{rkeys[i] for i, (_, c) in enumerate(right) if c[j] is not None} for j in range(n)]
    if op in ("and", "unless"):
        return [(lab, [x if x is not None and ((key in present_r[j]) == (op == "and")) else None
                       for j, x in enumerate(col)]) for (lab, col), key in zip(left, lkeys, strict=True)]
    present_l = [{lkeys[i] for i, (_, c) in enumerate(left) if c[j] is not None} for j in range(n)]
    out = dict(left)
    for (lab, col), key in zip(right, rkeys, strict=True):
        add = [x if x is not None and key not in present_l[j] else None for j, x in enumerate(col)]
        # a right series with a left one's labels is that series where the left has none (``sum(…) or vector(0)``):
        # one series, as Prometheus answers it at each time, never a second column empty where the first is not
        # (a verify gate read "no data (NaN) in 1 of 2 series" of a series present all along)
        out[lab] = add if lab not in out else [a if a is not None else b for a, b in zip(out[lab], add, strict=True)]
    return list(out.items())
