"""nnlib: the small NumPy library the lessons build, one idea per module.

activations  f(z) and f'(z): step, sigmoid, tanh, relu, leaky_relu, softmax, linear
losses       mse, cross_entropy, binary_cross_entropy (+ _grad), softmax_cross_entropy,
             sigmoid_binary_cross_entropy
labels       check_labels, one_hot, labels_from_scores, predicted_labels
gradcheck    numerical_derivative, numerical_gradient, relative_error, max_relative_error,
             check_gradients
model        Model: what every model shares (data checks, labels, L2, evaluate, predict, fit)
network      MLP: lesson 4's network written out, forward pass and backpropagation
layers       Linear, ReLU, LeakyReLU, Sigmoid, Tanh, Dropout, BatchNorm, Conv2D, MaxPool2D, Flatten,
             Embedding
sequential   Sequential: a model made of layers
attention    LayerNorm, PositionEmbedding, CausalSelfAttention, TransformerBlock (sequences)
autograd     Tensor: automatic differentiation with PyTorch's names (lesson 12)
training     fit: the one training loop (mini-batches, schedule, history, divergence check)
optim        SGD, Momentum, RMSProp, Adam
metrics      accuracy, confusion_matrix
diagnostics  the first checks of a training run
data, mnist  MNIST (bundled, verified, downloaded if missing) and toy datasets
text         the text corpora (names, Shakespeare), verified
language     character-level language models: vocabulary, context windows, sampling
course       the course's harness, apart from the library: the exercises' checks (course.exercises)
plotting     the shared figure style and figures used by several lessons"""

from .network import MLP
from .sequential import Sequential

__version__ = "0.2.0"
__all__ = ["MLP", "Sequential"]
