"""Hidden tests for lesson 12 (used by tools/grade.py; not handed out to students): fresh inputs
at every grading and the reference answers. Exercises 2 and 3 build on the lesson's `Value`,
`backward` and `backward_assigning`, which run before the answer (the lesson's own cells)."""

import json
from pathlib import Path

import numpy as np
from grade import Hidden

LESSON = next((Path(__file__).resolve().parents[2] / "notebooks").glob("12_*.ipynb"))
CELLS = ["".join(c["source"]) for c in json.loads(LESSON.read_text(encoding="utf-8"))["cells"]
         if c["cell_type"] == "code"]
CONTEXT = "\n\n".join(next(c for c in CELLS if c.lstrip().startswith(start))
                      for start in ("class Value:", "def f_at("))


def logsumexp_backward(X, g):
    E = np.exp(X - X.max(axis=1, keepdims=True))
    return g[:, None] * E / E.sum(axis=1, keepdims=True)


def graph_cases(rng):
    """Graphs as lists of operations: node i (after the 4 inputs) is ("*" or "+", a, b)."""
    cases = []
    for size in (30, 60):
        ops = [(str(rng.choice(["*", "+"])), int(rng.integers(0, 4 + i)),
                int(rng.integers(0, 4 + i))) for i in range(size)]
        cases.append((ops,))
    cases.append(([("*", 4 + i - 1 if i else 0, 0) for i in range(6000)],))   # a deep chain
    return cases


def order_of(answer, ops):
    Value = answer.__globals__["Value"]
    nodes = [Value(1.0 + i, label=str(i)) for i in range(4)]
    for op, a, b in ops:
        node = nodes[a] * nodes[b] if op == "*" else nodes[a] + nodes[b]
        node.label = str(len(nodes))
        nodes.append(node)
    return [int(v.label) if v.label.isdigit() else -1 for v in answer(nodes[-1])]


def valid_orders(results, cases):
    for number, ((ops,), order) in enumerate(zip(cases, results), 1):
        parents = {4 + i: {a, b} for i, (_, a, b) in enumerate(ops)}
        needed, todo = set(), [len(ops) + 3]
        while todo:
            node = todo.pop()
            if node not in needed:
                needed.add(node)
                todo.extend(parents.get(node, ()))
        if not isinstance(order, list) or sorted(order) != sorted(needed):
            return False, (f"graph {number}: expected each of the {len(needed)} values the root "
                           "depends on exactly once")
        place = {node: n for n, node in enumerate(order)}
        if any(place[p] > place[node] for node in order for p in parents.get(node, ())):
            return False, f"graph {number}: a value comes before one of its parents"
    return True, f"a valid order for all {len(cases)} graphs, a 6,000-value chain included"


def gradients_both_ways(answer, x0):
    namespace = answer.__globals__
    found = []
    for run in (namespace["backward"], namespace["backward_assigning"]):
        x = namespace["Value"](x0)
        run(answer(x))
        found.append(x.grad)
    h = 1e-5
    numeric = (answer(namespace["Value"](x0 + h)).data
               - answer(namespace["Value"](x0 - h)).data) / (2 * h)
    return found + [numeric]


def exposed(results, cases):
    for (x0,), (right, assigned, numeric) in zip(cases, results):
        if abs(right - numeric) > 1e-6 * max(1.0, abs(numeric)):
            return False, f"at x = {x0:.3g}: backward gives {right:.6g}, numerically {numeric:.6g}"
        if abs(assigned - right) < 1e-9 * max(1.0, abs(right)):
            return False, (f"at x = {x0:.3g}: backward_assigning also gives {assigned:.6g}: let x "
                           "reach the output along two paths")
    return True, f"the bug shows at all {len(cases)} points"


EXERCISES = {
    "logsumexp_backward": Hidden(
        cases=lambda rng: [(rng.normal(0, 3, (N, K)), rng.standard_normal(N))
                           for N, K in [(1, 5), (int(rng.integers(2, 8)), 4)]]
        + [(rng.uniform(-1000, 1000, (3, 4)), rng.standard_normal(3)),    # no overflow allowed
           (np.array([[1000.0, 999.0], [-1000.0, -1001.0]]), np.ones(2))],  # nor 0 / 0
        reference=logsumexp_backward, forbid=("nnlib.autograd", "nnlib.gradcheck"), rtol=1e-9,
        exact=True, points=2),
    "topological_order_iterative": Hidden(cases=graph_cases, run=order_of, judge=valid_orders,
                                          context=CONTEXT, forbid=("sys.setrecursionlimit",),
                                          points=2),
    "exposing_expression": Hidden(
        cases=lambda rng: [(float(x),) for x in rng.uniform(0.5, 2, 12)], run=gradients_both_ways,
        judge=exposed, context=CONTEXT, points=2),
}
