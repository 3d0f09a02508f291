"""Every lesson's student edition runs, and every exercise's check rejects plausible wrong answers.

The student edition runs top to bottom in a fresh kernel: no errors, and every check prints
"[not done yet]". Then, in the same kernel, the exercises are run again with wrong answers written
in: a slip (a wrong formula, a forgotten factor, rows for columns) and, where there is one, a
loophole (an answer that calls the reference, nnlib's own version or a helper of the check). Every
check cell of an exercise that got one must print a [FAIL] line (and, where given, the expected
words: the hint of a known slip, the name of a forbidden call).

A wrong answer is a replacement body (a list of lines) or a change to the lesson's own solution
(an (old, new) pair of strings); `run` (0 or 1) groups the answers that are tried together: each
run appends the lesson's exercise section once more, from its first exercise to its end, so the
lesson's expensive part (training on MNIST) runs once per test.
"""

import pytest
from nbformat.v4 import new_code_cell
from test_student import EDITIONS, LESSONS, execute, ids, make_student, read, stdout, tags

CALLS = "your code calls"  # the start of the message when a forbidden function is called

# {lesson: {function: [(run, wrong answer, words the failure must contain or None), ...]}}
WRONG = {
    "01": {
        "tanh_from_sigmoid": [(0, ["return 2 * activations.sigmoid(z) - 1"], None),
                              (1, ["return np.tanh(z)"], CALLS)],
        "elu_grad": [(0, ["return np.where(z > 0, 1.0, alpha * np.exp(z))"], "FloatingPointError"),
                     (1, ["return numerical_derivative(lambda t: elu(t, alpha), z)"], CALLS)],
        "log_softmax": [(0, ["return np.log(activations.softmax(Z))"], "inf or nan")],
        "ramp_network": [(0, ("np.array([[1.0], [-1.0]])", "np.array([[1.0], [1.0]])"), None)],
    },
    "02": {
        "forward_any": [
            (0, ("A = softmax(Z) if l == L else relu(Z)", "A = relu(Z)"), None),
            (1, ["sizes = [params['W1'].shape[0]]"
                 " + [params[f'W{l}'].shape[1] for l in range(1, len(params) // 2 + 1)]",
                 "net = MLP(sizes)", "net.params = params", "return net.forward(X)"], CALLS)],
        "cross_entropy_from_labels": [
            (0, ["return float(-np.mean(np.log(P[:, y])))"], "Hint: P[:, y]"),
            (1, ["return cross_entropy(P, one_hot(y, P.shape[1]))"], CALLS)],
        "uniform_losses": [
            (0, ("0.5 * (K - 1) / K", "0.5 * (1 - 1 / K) ** 2"), None),
            (1, ["P = np.full((1, K), 1 / K)", "Y = one_hot(np.array([0]), K)",
                 "return np.array([cross_entropy(P, Y), mse(P, Y)])"], CALLS)],
        "binary_cross_entropy_from_logits": [
            (0, ["return float(np.mean(T * np.log1p(np.exp(-Z)) + (1 - T) * np.log1p(np.exp(Z))))"],
             None),
            (1, ["return sigmoid_binary_cross_entropy(Z, T)[0]"], CALLS)],
    },
    "03": {
        "five_point_derivative": [(0, ["return (f(x + h) - f(x - h)) / (2 * h)"], None)],
        "numerical_jacobian": [(0, ("axis=1", "axis=0"), None),  # rows for columns
                               (1, ["return softmax_grad(x)"], CALLS)],
        "largest_stable_lr": [(0, ("1.0 / float", "2.0 / float"), "too large")],
    },
    "04": {
        "chain3_gradients": [
            (0, ("delta = (a[3] - y) * a[3] * (1 - a[3])", "delta = a[3] - y"), None),
            (1, ["return chain3_numerical(x, y, w, b)"], CALLS)],
        "tanh_net_input_gradient": [(0, ("return dZ1 @ params[\"W1\"].T", "return dZ1"), "shape"),
                                    (1, ["return numerical_input_gradient(params, X, Y)"], CALLS)],
        "regression_gradients": [  # L2 on the biases too
            (0, ('"b1": dZ1.sum(axis=0)', '"b1": dZ1.sum(axis=0) + lam * params["b1"]'), "b1"),
            (1, ["net = MLP([3, 5, 2], hidden_activation='tanh', output_activation='linear',"
                 " loss='mse')", "net.params = params",
                 "return net.loss_and_gradients(X, Y, l2=lam)[1]"], CALLS)],
    },
    "05": {
        "xor_step_weights": [(0, ("[-1.0]])", "[1.0]])"), None)],  # OR instead of XOR
        "dead_relu_fraction": [(0, ("np.all(Z <= 0, axis=0)", "np.any(Z <= 0, axis=0)"), None)],
        "train_parity3": [(0, ("[3, 8, 1]", "[3, 1]"), "of 8 patterns")],  # no hidden layer
        "relu_runs_solved": [(0, ("b1[:, None, :] + bias", "b1[:, None, :]"), None)],
    },
    "06": {
        "per_class_accuracy": [(0, ("axis=1", "axis=0"), "Hint: row k of C")],
        "top_k_accuracy": [(0, ("[:, -k:]", "[:, :k]"), "Hint: np.argsort sorts in ascending"),
                           (1, ["return top_k_by_rank(P, y, k)"], CALLS)],
        "parameters_and_multiply_adds": [(0, ("n_in * n_out + n_out", "n_in * n_out"), None),
                                         (1, ["return counted_from_nnlib(layer_sizes)"], CALLS)],
        "most_confident_mistakes": [(0, ("np.argsort(-confidence", "np.argsort(confidence"), None),
                                    (1, ["return confident_mistakes_slowly(P, y, k)"], CALLS)],
    },
    "07": {
        "count_pieces": [(0, ["return 1 + int(np.sum(np.asarray(params['W1']) != 0))"], None),
                         (1, ["return pieces_by_slopes(params)"], CALLS)],
        "bump_params": [(0, ("]]) / delta", "]])"), None)],
        "sawtooth_params": [(0, ("[[2.0, 2.0], [-4.0, -4.0]]", "[[1.0, 1.0], [-2.0, -2.0]]"),
                             None)],
        "min_hinge_units": [(0, ("np.ceil", "np.floor"), None),
                            (1, ["return hinge_units_by_search(max_error)"], CALLS)],
    },
    "08": {
        "leaky_relu_std": [(0, ("(1 + alpha ** 2) * n_in", "(1 + alpha) * n_in"), "square alpha"),
                           (1, ("(1 + alpha ** 2) * n_in", "(1 + alpha ** 2) * 500"),
                            "n_in = 50")],
        "predicted_rms": [(0, ("variances[-1] / 2", "variances[-1]"),
                           "E[a^2] = E[z^2] / 2")],
        "sgd_update_ratios": [(0, ("lr * np.linalg.norm(grads", "np.linalg.norm(grads"),
                               "multiply by lr")],
    },
    "09": {
        "adagrad_step": [(0, ('state.get("s", 0.0) + g * g',  # RMSProp's average, not a sum
                              '0.9 * state.get("s", 0.0) + 0.1 * g * g'), "running average"),
                         (1, ('np.sqrt(state["s"]) + eps', 'state["s"] + eps'),  # no root
                          "compare each line")],
        "nesterov_lr_limit": [(0, ("((1 + 2 * beta) * lam_max)", "lam_max"),
                               "plain momentum's limit")],
    },
    "10": {
        "softmax_backward": [(0, ("axis=1", "axis=0"), None)],  # summed over the batch
        "fold_batchnorm": [(0, ("(b - running_mean) * scale + beta", "b * scale + beta"),
                            "subtracts the running mean"),
                           (1, ("np.sqrt(running_var + eps)", "np.sqrt(running_var)"),
                            "keep the eps")],
        "stopping_point": [(0, (">= patience", "> patience"), None)],  # one epoch too late
        "layer_norm_backward": [(0, ("dX_hat.mean(axis=1, keepdims=True)",  # batch norm's axis
                                     "dX_hat.mean(axis=0, keepdims=True)"), None)],
        "dropout_output_moments": [(0, ("p / (1 - p) * np.sum", "p * (1 - p) * np.sum"),
                                    "Var(m_i) = E[m_i^2] - 1"),
                                   (1, ["return moments_over_all_masks(x, w, p)"], CALLS)],
    },
    "11": {
        "feature_map_sizes": [(0, ("// s + 1", "// s"), None)],  # the +1 forgotten
        "conv_backward_one_channel": [
            (0, ("+= K[u, v] * dY", "= K[u, v] * dY"), "do not overwrite"),
            (1, ["H_out, W_out = dY.shape", "dX, dK = np.zeros_like(X), np.zeros_like(K)",
                 "for i in range(H_out):", "    for j in range(W_out):",
                 "        dK += dY[i, j] * X[i:i + len(K), j:j + len(K)]",
                 "        dX[i:i + len(K), j:j + len(K)] += dY[i, j] * K",
                 "return dX, dK"], "not the pixels")],
        "max_pool_backward": [(0, ("is_max * dY[:, None, :, None]",  # no mask: dY everywhere
                                   "dY[:, None, :, None] + 0 * is_max"), None)],
        "receptive_field": [(0, ("(k - 1) * jump", "(k - 1)"), "(k - 1) * jump")],  # no jump
    },
    "12": {
        "logsumexp_backward": [(0, ("return g[:, None] * E", "return E"), "upstream gradient")],
        "topological_order_iterative": [(0, ["return topological_order(root)"], CALLS)],
        "exposing_expression": [(0, ("return x * x + x", "return x * 3 + 1"), "two paths")],
    },
    "13": {
        "bigram_nll": [(0, ('encode("." + word + ".")', 'encode("." + word)'), "ends it"),
                       (1, ["X_, y_ = context_windows(words, vocabulary, 1)",
                            "return float(-np.mean(np.log(P[X_[:, 0], y_])))"], CALLS)],
        "embedding_backward": [
            (0, ("np.add.at(dE, X.ravel(), dY.reshape(-1, dY.shape[-1]))",
                 "dE[X.ravel()] += dY.reshape(-1, dY.shape[-1])"), "repeated token"),
            (1, ["return one_hot(X.ravel(), V).T @ dY.reshape(-1, dY.shape[-1])"], CALLS)],
        "temperature_softmax": [(0, ("S = Z / tau", "S = Z * tau"), "divide the logits"),
                                (1, ["return next_token_probabilities(Z, tau)"], CALLS)],
        "table_and_network_sizes": [(0, ("V * d + ", ""), None),
                                    (1, ["net = Sequential([Embedding(V, d), Flatten(), "
                                         "Linear(T * d, n_h), Linear(n_h, V)])",
                                         "return V ** (T + 1), sum(p.size for p in "
                                         "net.params.values())"], CALLS)],
    },
    "14": {
        "causal_weights": [(0, ("np.tri(T, dtype=bool)", "np.tri(T, dtype=bool).T"),
                            "above the diagonal"),
                           (1, ["return causal_weights_reference(S)"], CALLS)],
        "attention_backward": [(0, (" / math.sqrt(d_h)   # softmax", "   # softmax"), "sqrt(d_h)"),
                               (1, ["return attention_backward_autograd(Q, K, Va, dO)"], CALLS)],
        "block_parameters": [
            (0, ("return 2 * 2 * d + 4 * d * d + (d * d_ff + d_ff) + (d_ff * d + d)",
                 "return 4 * d * d + 2 * d * d_ff"), "biases"),
            (1, ["return sum(p.size for p in TransformerBlock(d, h, d_ff).params.values())"],
             CALLS)],
    },
}

def solution_body(source):
    """The lines between the markers of a solution cell, without their common indentation."""
    lines = source.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == make_student.BEGIN)
    end = next(i for i, line in enumerate(lines) if line.strip() == make_student.END)
    body = lines[start + 1: end]
    indent = min(len(line) - len(line.lstrip()) for line in body if line.strip())
    return [line[indent:] for line in body]


def with_answer(student_source, body):
    """The student cell with its placeholder replaced by `body`, at the placeholder's indent."""
    lines = student_source.split("\n")
    stub = next(i for i, line in enumerate(lines) if "raise NotImplementedError" in line)
    indent = lines[stub][: len(lines[stub]) - len(lines[stub].lstrip())]
    start = stub - 1 if lines[stub - 1].strip() == "# YOUR CODE HERE" else stub
    return "\n".join(lines[:start] + [indent + line for line in body] + lines[stub + 1:])


def test_every_exercise_of_every_lesson_has_wrong_answers():
    for path in LESSONS:
        nb = read(path)
        functions = {name for e in make_student.analyse(nb) for name in e["functions"]}
        assert path.name[:2] in WRONG, f"{path.name}: no wrong answers here yet"
        assert set(WRONG[path.name[:2]]) == functions, path.name


def exercise_section(nb, exercises, answers):
    """Code cells to append to the student edition: its exercise section again, from the first
    exercise to the end, with `answers` ({function: (wrong answer, words)}) written in and the other
    exercises as in the student edition. Returns (cells, {position in cells: (function, words) of
    a check that must fail})."""
    cells, expected = [], {}
    starts = [e["index"] for e in exercises] + [len(nb.cells)]
    for exercise, end in zip(exercises, starts[1:]):
        (function,) = exercise["functions"] or {None}
        for index in range(exercise["index"], end):
            cell = nb.cells[index]
            if cell.cell_type != "code":
                continue
            source = cell.source
            if index == exercise["index"]:
                source = exercise["student_source"]
                if function in answers:
                    wrong = answers[function][0]
                    if isinstance(wrong, tuple):
                        body = "\n".join(solution_body(cell.source))
                        assert wrong[0] in body, f"{function}: {wrong[0]!r} is not in the solution"
                        wrong = body.replace(wrong[0], wrong[1]).split("\n")
                    source = with_answer(source, wrong)
            elif function in answers and make_student.is_check(cell):
                expected[len(cells)] = (function, answers[function][1])
            cells.append(new_code_cell(source, metadata=cell.metadata))
    return cells, expected


@pytest.mark.parametrize("path", EDITIONS, ids=ids(EDITIONS))
def test_student_edition_runs_then_checks_reject_wrong_answers(path, monkeypatch):
    nb = read(path)
    exercises = make_student.analyse(nb)
    student = make_student.student_edition(nb, exercises)
    size = len(student.cells)
    wrong = WRONG.get(path.name[:2], {}) if path in LESSONS else {}
    expected = {}  # appended check cell index -> (function, words)
    for run in sorted({r for answers in wrong.values() for r, *_ in answers}):
        answers = {f: (w, words) for f, all_answers in wrong.items()
                   for r, w, words in all_answers if r == run}
        cells, checks = exercise_section(nb, exercises, answers)
        expected.update({len(student.cells) + i: check for i, check in checks.items()})
        student.cells += cells
    execute(student, monkeypatch)

    errors = [f"cell {i + 1}: {o.ename}: {o.evalue}"
              for i, (original, cell) in enumerate(zip(nb.cells, student.cells[:size]))
              if cell.cell_type == "code" and "raises-exception" not in tags(original)
              for o in cell.outputs if o.output_type == "error"]
    assert not errors, "errors in the student edition:\n" + "\n".join(errors)
    reports = {i + 1: stdout(cell) for i, cell in enumerate(student.cells[:size])
               if make_student.is_check(cell)}
    assert len(reports) >= 2
    for number, text in reports.items():
        lines = text.splitlines()
        assert lines, f"check cell {number} printed nothing"
        assert all(line.startswith("[not done yet] ") for line in lines), \
            f"check cell {number} printed {text!r}"

    assert {function for function, _ in expected.values()} == set(wrong), "a check never ran"
    for index, (function, words) in expected.items():
        lines = stdout(student.cells[index]).splitlines()
        assert any(line.startswith("[FAIL] ") for line in lines), (function, lines)
        assert not any(line.startswith("[not done yet]") for line in lines), (function, lines)
        if words:
            assert any(words in line for line in lines), (function, words, lines)
