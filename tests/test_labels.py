import numpy as np
import pytest

from nnlib.labels import check_labels, labels_from_scores, one_hot, predicted_labels


def test_one_hot_rows():
    Y = one_hot(np.array([2, 0, 1, 2]), 3)
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert Y.dtype == np.float64
    assert one_hot([1], 2, dtype=np.float32).dtype == np.float32
    assert one_hot(np.zeros(0, dtype=int), 4).shape == (0, 4)


def test_check_labels_accepts_whole_numbers_and_returns_int64():
    y = check_labels(np.array([0.0, 3.0, 1.0]), 4)
    assert y.dtype == np.int64 and y.tolist() == [0, 3, 1]
    assert check_labels(np.array([True, False])).tolist() == [1, 0]


@pytest.mark.parametrize("bad, K, error, message", [
    ([0, 4], 4, ValueError, r"must lie in \[0, 3\] for 4 classes; received values from 0 to 4"),
    ([-1, 2], 4, ValueError, r"from -1 to 2"),
    ([-1, 2], None, ValueError, r"labels must lie in \[0, K-1\]"),
    ([0.5], 2, TypeError, r"whole numbers \(class labels\); received 0.5"),
    ([np.nan], 2, TypeError, "received nan"),
    ([[0, 1]], 2, ValueError, r"1-D array of shape \(N,\); received shape \(1, 2\)"),
    (["0"], 2, TypeError, "integer class labels; received dtype <U1"),
])
def test_bad_labels(bad, K, error, message):
    with pytest.raises(error, match=message):
        check_labels(np.array(bad), K)
    if K is not None:
        with pytest.raises(error, match=message):
            one_hot(np.array(bad), K)


def test_labels_from_scores():
    np.testing.assert_array_equal(labels_from_scores(np.array([[0.1, 0.9], [2.0, -1.0]])), [1, 0])
    with pytest.raises(ValueError, match=r"K >= 2 columns.*\(4, 1\).*threshold"):
        labels_from_scores(np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"received shape \(4,\)"):
        labels_from_scores(np.zeros(4))


def test_predicted_labels():
    np.testing.assert_array_equal(predicted_labels(np.array([[0.2, 0.7, 0.1], [3.0, 1.0, 2.0]])),
                                  [1, 0])
    np.testing.assert_array_equal(predicted_labels(np.array([[0.2], [0.5], [0.9]])), [0, 1, 1])
