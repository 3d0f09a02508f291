"""Figures the lessons draw more than once: network diagrams, decision regions, learning curves
and grids of images. Each function draws on a matplotlib Axes (a new one if none is given) and
returns it (or the Figure, for grids), so a notebook can add titles and labels.

`use_style()` sets the one style every lesson shares: readable fonts at the width JupyterLab shows
(figures at most 8.5 inches, 850 px, wide), and the Okabe-Ito colours, which stay distinct under
the common forms of colour blindness (Okabe and Ito, "Color Universal Design", 2008). Lines that
must be told apart also get a marker or line style from `MARKERS` and `LINESTYLES`."""

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

# Okabe-Ito: blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow, black.
COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINESTYLES = ["-", "--", ":", "-."]
MAX_WIDTH = 8.5  # inches; at 100 dpi, 850 px: JupyterLab's column

STYLE = {
    "figure.dpi": 100,
    "figure.figsize": (6.4, 4.0),
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "axes.prop_cycle": mpl.cycler(color=COLORS),
    "image.cmap": "viridis",
}


def use_style():
    """Apply the lessons' shared figure style (fonts, size, colour-blind-safe colours). In a
    notebook, figures are also stored at twice the pixels and shown at the same size, so that they
    stay sharp on high-density screens and in the printed book (200 dpi at full width)."""
    mpl.rcParams.update(STYLE)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # plain Python: no notebook to store figures in
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


def draw_network(layer_sizes, ax=None, layer_names=None, max_neurons=10):
    """Diagram of a fully connected network: one column of circles per layer, every neuron joined
    to every neuron of the next layer. Layers wider than `max_neurons` are drawn with a gap and
    their true size written underneath.

    layer_sizes: e.g. [2, 3, 2]. layer_names: labels under the columns (default: input,
    hidden 1, ..., output).
    """
    sizes = list(layer_sizes)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 * len(sizes) + 1, 3.5))
    if layer_names is None:
        layer_names = (["input"] + [f"hidden {i}" for i in range(1, len(sizes) - 1)] + ["output"])
    shown = [min(n, max_neurons) for n in sizes]
    height = max(shown)
    positions = []
    for column, n in enumerate(shown):
        ys = (np.arange(n) - (n - 1) / 2) * (height / max(height, 1))
        positions.append([(float(column), float(y)) for y in ys])
    for left, right in zip(positions, positions[1:]):
        for x0, y0 in left:
            for x1, y1 in right:
                ax.plot([x0, x1], [y0, y1], color="0.75", lw=0.8, zorder=1)
    colours = [COLORS[5]] + [COLORS[1]] * (len(sizes) - 2) + [COLORS[2]]
    for column, (points, n, name) in enumerate(zip(positions, sizes, layer_names)):
        xs, ys = zip(*points)
        ax.scatter(xs, ys, s=400, color=colours[column], edgecolor="black", zorder=2)
        caption = name if n <= max_neurons else f"{name}\n({n} units, {max_neurons} drawn)"
        ax.text(column, -height / 2 - 0.4, caption, ha="center", va="top", fontsize=10)
    ax.set_xlim(-0.6, len(sizes) - 0.4)
    ax.set_ylim(-height / 2 - 1.4, height / 2 + 0.6)
    ax.axis("off")
    ax.set_title(f"A {'-'.join(map(str, sizes))} network")
    return ax


def plot_decision_regions(predict, X, y, ax=None, resolution=200, padding=0.5, legend=True):
    """Shade the plane by the class `predict` gives each point, and scatter the data on top, one
    colour and one marker per class, with a legend naming the classes.

    predict: function from points (M, 2) to class labels (M,). X: (N, 2). y: (N,) integer labels
    0..K-1 (K <= 8).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    X, y = np.asarray(X), np.asarray(y).astype(int)
    (x0_min, x1_min), (x0_max, x1_max) = X.min(axis=0) - padding, X.max(axis=0) + padding
    g0, g1 = np.meshgrid(np.linspace(x0_min, x0_max, resolution),
                         np.linspace(x1_min, x1_max, resolution))
    labels = np.asarray(predict(np.column_stack([g0.ravel(), g1.ravel()]))).reshape(g0.shape)
    n_classes = int(max(y.max(), labels.max())) + 1
    if n_classes > len(COLORS):
        raise ValueError(f"plot_decision_regions draws at most {len(COLORS)} classes, "
                         f"got labels up to {n_classes - 1}")
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(g0, g1, labels, levels=levels, cmap=ListedColormap(COLORS[:n_classes]),
                alpha=0.25)
    for k in range(n_classes):
        ax.scatter(*X[y == k].T, color=COLORS[k], marker=MARKERS[k], edgecolor="black",
                   linewidth=0.6, s=30, label=f"class {k}")
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    if legend:
        ax.legend(loc="best", framealpha=0.9)
    return ax


def plot_history(history, axes=None):
    """Learning curves from `MLP.fit`'s history: loss (left) and accuracy (right) per epoch, for
    the training data and, when present, the validation data."""
    has_accuracy = "accuracy" in history
    if axes is None:
        ncols = 2 if has_accuracy else 1
        _, axes = plt.subplots(1, ncols, figsize=(4.25 * ncols, 3.3), squeeze=False,
                               layout="constrained")
        axes = axes[0]
    epochs = np.arange(1, len(history["loss"]) + 1)
    for ax, metric in zip(axes, ["loss", "accuracy"] if has_accuracy else ["loss"]):
        ax.plot(epochs, history[metric], marker="o", ms=3, label="training")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], marker="s", ms=3, ls="--",
                    label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(f"{metric.capitalize()} per epoch")
        ax.legend()
    return axes


def show_images(images, titles=None, ncols=10, size=1.0, cmap="gray_r", vmin=None, vmax=None):
    """A grid of small images, e.g. MNIST digits. images: (M, H, W) or (M, H*W) for square ones.
    titles: optional list of M strings. size: inches per image, reduced if the grid would be
    wider than MAX_WIDTH. Returns the Figure."""
    images = np.asarray(images)
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        images = images.reshape(len(images), side, side)
    ncols = min(ncols, len(images))
    nrows = int(np.ceil(len(images) / ncols))
    size = min(size, MAX_WIDTH / ncols)
    height = size * nrows * (1.25 if titles else 1)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, height), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], cmap=cmap, vmin=vmin, vmax=vmax)
            if titles is not None:
                ax.set_title(titles[i], fontsize=9)
    return fig
