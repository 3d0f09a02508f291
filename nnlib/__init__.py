"""nnlib: the small NumPy library the lessons build, one idea per module.

activations  f(z) and f'(z): step, sigmoid, tanh, relu, leaky_relu, softmax, linear
losses       mse, cross_entropy, binary_cross_entropy (+ _grad), softmax_cross_entropy
gradcheck    numerical_derivative, numerical_gradient, relative_error, check_gradients
network      MLP: forward, loss_and_gradients, predict, evaluate, fit
optim        SGD, Momentum, Adam
metrics      accuracy, confusion_matrix
data         load_mnist and toy datasets
plotting     draw_network, plot_decision_regions, plot_history, show_images
"""

from .network import MLP

__version__ = "0.1.0"
__all__ = ["MLP"]
