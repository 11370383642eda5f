"""The DP's alignment without its grid, for a document whose translations sit next to
their originals (``dp.Aligner.align`` tries this first; None: ask the DP).

Exact, not a heuristic. The DP minimises a path's cost: the costs of its pairs plus the
skip price of every unit it leaves unpaired. Two facts make most of its grid idle:

1. A pair that costs at least its members' skip prices (plus ``DELTA``) is in no
   cheapest path: the same path with those members unpaired is cheaper by ``DELTA``
   and still lies in the DP's band (window mode: of the two ways round a pair's move
   through skips, one always does, since a row's band only moves right).
2. When every pair that may cost less than that is *local* (its units stand next to each
   other in the document, nothing between), the cheapest path is a chain over the
   document's positions: each unit is skipped or paired with its neighbours. Every
   such chain is a path of the band (the cell of a document prefix is always in it).

So every non-local candidate is bounded from below (length cost 0, the best anchor
term its Chinese side allows, ``order_gap`` per non-heading unit between its members,
the cheaper orientation); where that bound is below the skip prices, the DP's own
``_pair_cost`` is asked, and if the pair can be cheaper than skipping, this gives up.
Otherwise the chain is solved with the same ``_pair_cost``; it gives up again when its
best path is not cheaper than every other chain path by ``DELTA`` (the DP breaks ties by
move order and sums in another order; their float sums differ by far less than DELTA).
"""

from __future__ import annotations

import math

from hlkb.align.gale_church import MATCH_PRIOR

# A margin far above the rounding of either method's float sums, far below any real
# difference between two alignments' costs.
DELTA = 1e-6
_SLACK = 1e-9  # taken off every lower bound (its terms are summed in another order)
_GROUPED_RUN = 3  # dp.GROUPED_RUN (not imported: dp imports this module)
_BASE_PRIOR = -math.log(MATCH_PRIOR[(1, 1)])


def align_local(al) -> list[tuple[list, list, float]] | None:
    """(en units, zh units, cost) of each pair of the DP's cheapest path, in reading
    order, or None when that cannot be shown without the DP. ``al``: a ``dp.Aligner``."""
    cfg = al.cfg
    if cfg.window is None or not cfg.order or cfg.gale_church_skips or cfg.order_gap <= 0:
        return None  # sections (no window), no distance price, or skips priced by length
    units = al.units
    if any(u.pos != p for p, u in enumerate(units)) or _grouped_runs(units):
        return None  # (run_gap may price a distant pair as a near one)
    n = len(units)
    skip = cfg.skip
    langs = [u.lang for u in units]
    side = []  # each unit's index in its language's sequence
    counts = {"en": 0, "zh": 0}
    for lang in langs:
        side.append(counts[lang])
        counts[lang] += 1
    plain = [0 if u.heading else 1 for u in units]  # a unit between two others counts in their gap
    terms = al._anchor_terms
    # [k]: the lowest anchor term of a pair whose Chinese has k anchors (words, numbers)
    by_count = [min(min(row) for row in terms[: k + 1]) if cfg.anchors else 0.0 for k in range(6)]
    anchor_floor = by_count[5]
    orientation_floor = min(0.0, cfg.orientation_cost) if cfg.orientation else 0.0
    max_merge = max(1, cfg.max_merge)
    # the terms of a k:1 pair that do not depend on its units (k = 1: a 1:1 pair)
    fixed = {
        k: -al._log_priors[k, 1] - _BASE_PRIOR + cfg.merge * (k - 1) + orientation_floor
        for k in range(1, max_merge + 1)
    }
    gap_price = cfg.order_gap
    pair_cost = al._pair_cost

    def zh_floor(zh_units: list) -> float:
        """The lowest anchor term a pair with these Chinese units can have."""
        if not cfg.anchors:
            return 0.0
        if len(zh_units) == 1:
            a = zh_units[0].anchors
            k = len(a.words) + len(a.numbers)
        else:  # (what dp._run_anchors unites)
            k = len(set().union(*(u.anchors.words for u in zh_units)))
            k += len(set().union(*(u.anchors.numbers for u in zh_units)))
        return by_count[k if k < 5 else 5]

    # Non-local candidates: a unit, or a run of units of one language the DP may join,
    # and a unit of the other language with at least one unit between them, as far as
    # the distance price still leaves the pair a chance to beat skipping.
    groups: list[tuple[int, int]] = []
    if max_merge > 1:
        for runs, lang in ((al._en_run, "en"), (al._zh_run, "zh")):
            for p in range(n):
                if langs[p] == lang:
                    groups.extend((p - k + 1, k) for k in range(2, min(runs[side[p] + 1], max_merge) + 1))
    # 1:1 pairs first, with each Chinese unit's anchor floor read once
    unit_floor: list[float | None] = [None] * n  # (read when first asked: anchors are read lazily)
    limit = 2 * skip + DELTA
    reach = fixed[1] - _SLACK
    window = cfg.window
    for p in range(n):
        lang = langs[p]
        between = 0
        for q in range(p + 2, n):
            between += plain[q - 1]
            floor = reach + gap_price * between
            if floor + anchor_floor >= limit:
                break
            if langs[q] != lang and (between or q - p > window):  # (else: the chain's)
                e, z = (p, q) if lang == "en" else (q, p)
                z_floor = unit_floor[z]
                if z_floor is None:
                    z_floor = unit_floor[z] = zh_floor([units[z]])
                if floor + z_floor < limit:
                    if pair_cost(side[e] + 1, 1, side[z] + 1, 1, 0.0, limit) < limit:
                        return None  # a pair across other units may win: the DP decides
    for start, k in groups:  # then merges: a run the DP may join, and a unit beyond others
        end = start + k - 1
        lang = langs[start]
        limit = skip * (k + 1) + DELTA
        base = fixed[k] - _SLACK
        for step in (1, -1):
            q = end + 2 if step > 0 else start - 2
            between = 0
            while 0 <= q < n:
                between += plain[q - step]
                floor = base + gap_price * between
                if floor + anchor_floor >= limit:
                    break
                if langs[q] != lang:
                    group, other = units[start : end + 1], [units[q]]
                    en_units, zh_units = (group, other) if lang == "en" else (other, group)
                    if floor + zh_floor(zh_units) < limit:
                        i, j = side[en_units[-1].pos] + 1, side[zh_units[-1].pos] + 1
                        if pair_cost(i, len(en_units), j, len(zh_units), 0.0, limit) < limit:
                            return None  # a pair across other units may win: the DP decides
                q += step
    return _chain(al, units, langs, side, skip, max_merge, cfg.window)


def _chain(al, units: list, langs: list[str], side: list[int], skip: float, max_merge: int, window: int):
    """The cheapest chain, or None when another costs within DELTA of it: each unit
    skipped, or paired with its neighbour or with the unit of the other language beyond
    the headings next to it (at most ``window`` positions on: both ways of taking the
    headings round the pair then stay in the DP's band; the headings are skipped), or a
    run of up to ``max_merge`` units of one language with the unit of the other next to
    it. A candidate that cannot come within DELTA of the best so far is dismissed by
    ``_pair_cost``'s own bounds."""
    n = len(units)
    pair_cost = al._pair_cost
    inf = math.inf
    total = [0.0] * (n + 1)
    back: list[tuple[int, list, list, float] | None] = [None] * (n + 1)
    tied = [False] * (n + 1)  # another chain of units[:p] costs within DELTA of total[p]
    # where a run the DP may join ends (a k:1 pair with the other unit after it) or
    # starts (the other unit before it): p -> the chains' merge moves into position p
    merge_moves: dict[int, list[int]] = {}
    if max_merge > 1:
        for runs, lang in ((al._en_run, "en"), (al._zh_run, "zh")):
            for q in range(n):
                if langs[q] == lang:
                    for k in range(2, min(runs[side[q] + 1], max_merge) + 1):
                        start = q - k + 1
                        if q + 1 < n and langs[q + 1] != lang:
                            merge_moves.setdefault(q + 2, []).append(start)  # units[start .. q+1]
                        if start > 0 and langs[start - 1] != lang:
                            merge_moves.setdefault(q + 1, []).append(start - 1)  # units[start-1 .. q]
    for p in range(1, n + 1):
        best = total[p - 1] + skip
        second = inf
        move: tuple[int, list, list, float] | None = None
        if p >= 2 and langs[p - 2] != langs[p - 1]:
            e, z = (p - 2, p - 1) if langs[p - 2] == "en" else (p - 1, p - 2)
            cost = pair_cost(side[e] + 1, 1, side[z] + 1, 1, total[p - 2], best + DELTA)
            if cost != inf:
                t = total[p - 2] + cost
                if t < best:
                    best, second, move = t, best, (p - 2, [units[e]], [units[z]], cost)
                else:
                    second = t
        r = p - 3  # a pair of units[r] and units[p-1] with headings only between them
        while r >= 0 and units[r + 1].heading and p - 1 - r <= window:
            if langs[r] != langs[p - 1]:
                e, z = (r, p - 1) if langs[r] == "en" else (p - 1, r)
                prev = total[r] + skip * (p - 2 - r)
                cost = pair_cost(side[e] + 1, 1, side[z] + 1, 1, prev, best + DELTA)
                if cost != inf:
                    t = prev + cost
                    if t < best:
                        best, second, move = t, best, (r, [units[e]], [units[z]], cost)
                    elif t < second:
                        second = t
            r -= 1
        for s in merge_moves.get(p, ()):
            block = units[s:p]  # one unit and a run of the other language, in some order
            one, group = ([block[0]], block[1:]) if langs[s] != langs[s + 1] else ([block[-1]], block[:-1])
            en_units, zh_units = (group, one) if group[0].lang == "en" else (one, group)
            i, j = side[en_units[-1].pos] + 1, side[zh_units[-1].pos] + 1
            cost = pair_cost(i, len(en_units), j, len(zh_units), total[s], best + DELTA)
            if cost == inf:
                continue
            t = total[s] + cost
            if t < best:
                best, second, move = t, best, (s, en_units, zh_units, cost)
            elif t < second:
                second = t
        total[p] = best
        back[p] = move
        tied[p] = second < best + DELTA or tied[p - 1 if move is None else move[0]]
    if tied[n]:
        return None
    out = []
    p = n
    while p > 0:
        move = back[p]
        if move is None:
            p -= 1
        else:
            p, en_units, zh_units, cost = move
            out.append((en_units, zh_units, cost))
    out.reverse()
    return out


def _grouped_runs(units: list) -> bool:
    """Two neighbouring runs of one language each, of two units or more and one of
    ``_GROUPED_RUN`` or more: ``dp.run_gap`` prices their pairs by place in the runs."""
    runs: list[int] = []
    last = None
    for u in units:
        if u.run != last:
            runs.append(u.run_len)
            last = u.run
    return any(min(a, b) >= 2 and max(a, b) >= _GROUPED_RUN for a, b in zip(runs, runs[1:]))
