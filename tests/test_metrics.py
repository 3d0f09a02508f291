import numpy as np
import pytest

from nnlib.metrics import accuracy, confusion_matrix


def test_accuracy_from_labels_scores_and_one_hot():
    y_true = np.array([0, 1, 2, 2])
    assert accuracy(np.array([0, 1, 1, 2]), y_true) == 0.75
    scores = np.array([[3.0, 1, 0], [0, 2, 1], [0, 5, 1], [0, 0, 1]])
    assert accuracy(scores, y_true) == 0.75
    assert accuracy(scores, np.eye(3)[y_true]) == 0.75
    assert isinstance(accuracy(y_true, y_true), float)


def test_accuracy_refuses_a_single_column_of_scores():
    p = np.array([[0.9], [0.1], [0.8]])  # a perfect binary classifier's probabilities
    with pytest.raises(ValueError, match=r"\(N, K\) with K >= 2.*received shape \(3, 1\).*0.5"):
        accuracy(p, np.array([1, 0, 1]))
    assert accuracy((p[:, 0] >= 0.5).astype(int), np.array([1, 0, 1])) == 1.0


@pytest.mark.parametrize("bad, error, message", [
    (np.array([0, -1, 1]), ValueError, r"y_true must lie in \[0, K-1\]; received values from -1"),
    (np.array([0.0, 1.5, 1.0]), TypeError, r"y_true must be whole numbers.*received 1.5"),
    (np.array(["a", "b", "c"]), TypeError, "y_true must be integer class labels; received dtype"),
    (np.zeros((3, 2, 2)), ValueError, r"y_true must be a 1-D array of shape \(N,\)"),
])
def test_bad_labels_are_refused(bad, error, message):
    with pytest.raises(error, match=message):
        accuracy(np.array([0, 1, 1]), bad)
    with pytest.raises(error, match=message):
        confusion_matrix(np.array([0, 1, 1]), bad)


def test_whole_float_labels_are_accepted():
    assert accuracy(np.array([0.0, 2.0]), np.array([0, 2])) == 1.0


def test_lengths_must_match_and_accuracy_needs_samples():
    with pytest.raises(ValueError, match="same number of samples; received 2 and 3"):
        accuracy(np.array([0, 1]), np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="at least one sample"):
        accuracy(np.array([], dtype=int), np.array([], dtype=int))


def test_confusion_matrix_rows_are_true_classes_and_columns_predictions():
    y_true = np.array([0, 0, 0, 1, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 0, 2])
    C = confusion_matrix(y_pred, y_true)
    np.testing.assert_array_equal(C, [[1, 2, 0],
                                      [0, 1, 0],
                                      [1, 0, 1]])
    np.testing.assert_array_equal(C.sum(axis=1), np.bincount(y_true))
    assert C.dtype == np.int64


def test_confusion_matrix_num_classes():
    assert confusion_matrix(np.array([1, 0]), np.array([0, 2])).shape == (3, 3)  # largest label + 1
    np.testing.assert_array_equal(confusion_matrix(np.zeros(2, int), np.zeros(2, int)), [[2]])
    C = confusion_matrix(np.array([0, 1]), np.array([0, 1]), num_classes=4)
    assert C.shape == (4, 4) and C.sum() == 2
    with pytest.raises(ValueError, match=r"y_pred must lie in \[0, 1\] for 2 classes.*to 2"):
        confusion_matrix(np.array([0, 2]), np.array([0, 1]), num_classes=2)
