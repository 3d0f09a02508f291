"""The shared figure helpers: style, width limit, class legends."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnlib import plotting  # noqa: E402


def test_use_style_sets_colour_blind_safe_colours_and_readable_fonts():
    with matplotlib.rc_context():
        plotting.use_style()
        colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
        assert [c.lower() for c in colours] == [c.lower() for c in plotting.COLORS]
        assert matplotlib.rcParams["font.size"] >= 10
        assert matplotlib.rcParams["legend.fontsize"] >= 9


def test_decision_regions_have_one_legend_entry_per_class():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([0, 1, 2, 2])
    ax = plotting.plot_decision_regions(lambda P: (P[:, 0] > 0.5) + (P[:, 1] > 0.5), X, y,
                                        resolution=20)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(ax.figure)
    assert labels == ["class 0", "class 1", "class 2"]


def test_decision_regions_refuse_more_classes_than_colours():
    X = np.zeros((2, 2))
    with pytest.raises(ValueError, match="at most 8 classes"):
        plotting.plot_decision_regions(lambda P: np.full(len(P), 9), X, np.array([0, 9]),
                                       resolution=5)
    plt.close("all")


def test_image_grids_are_never_wider_than_the_column():
    fig = plotting.show_images(np.zeros((20, 4, 4)), ncols=10, size=1.3)
    width = fig.get_size_inches()[0]
    plt.close(fig)
    assert width <= plotting.MAX_WIDTH
