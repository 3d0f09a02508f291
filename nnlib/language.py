"""Character-level language models: a vocabulary, context windows, and sampling with temperature.

    vocabulary = Vocabulary.from_words(words)        # "." (index 0) then the letters, sorted
    X, y = context_windows(words, vocabulary, 3)     # X (M, 3) indices, y (M,) the next one
    names = generate(model.forward, vocabulary, context=3, n=5, temperature=0.8, rng=0)
    more = continue_text(next_logits, vocabulary, "ROMEO:", length=200, context=64, rng=0)

A model here is any function from contexts (N, T) of indices to logits (N, V) over the next token.
"""

import numpy as np

from ._checks import integer, number, positive_int

BOUNDARY = "."  # marks where a word starts and ends


class Vocabulary:
    """The tokens of a corpus, one character each; `chars[i]` is the token with index i.

    chars: a string (or list) of distinct single characters.
    """

    def __init__(self, chars):
        self.chars = list(chars)
        if not all(isinstance(c, str) and len(c) == 1 for c in self.chars):
            raise TypeError(f"a vocabulary is a string of distinct characters; received "
                            f"{chars!r}")
        if len(set(self.chars)) != len(self.chars):
            repeated = sorted({c for c in self.chars if self.chars.count(c) > 1})
            raise ValueError(f"a vocabulary's characters must be distinct; {repeated} repeat")
        self.index = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def from_words(cls, words):
        """The boundary "." at index 0, then every character of `words`, in sorted order."""
        chars = sorted(set("".join(words)))
        if BOUNDARY in chars:
            raise ValueError(f"the words contain the boundary token {BOUNDARY!r}")
        return cls([BOUNDARY, *chars])

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        """The indices (len(text),) of the characters of `text`, as int64."""
        try:
            return np.array([self.index[c] for c in text], dtype=np.int64)
        except KeyError as error:
            raise ValueError(f"{error.args[0]!r} (in {text[:40]!r}) is not in the vocabulary "
                             f"{''.join(self.chars)!r}") from None

    def decode(self, ids):
        """The text whose characters have the indices `ids`."""
        ids = np.asarray(ids)
        if ids.size and (ids.dtype.kind not in "iu" or ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"decode expects integer indices 0..{len(self) - 1}; received "
                             f"{ids!r}")
        return "".join(self.chars[i] for i in ids.ravel())

    def __repr__(self):
        return f"Vocabulary({''.join(self.chars)!r})"


def context_windows(words, vocabulary, context):
    """Every prediction a word asks for: each of its characters, then the boundary that ends it,
    with the `context` tokens before it (boundaries stand before the word's first character).

    Returns X (M, context) and y (M,), int64, with M = sum(len(word) + 1 for word in words).
    """
    context = positive_int(context, "context")
    boundary = vocabulary.index[BOUNDARY]
    rows = []
    for word in words:
        ids = np.concatenate([np.full(context, boundary), vocabulary.encode(word), [boundary]])
        rows.append(np.lib.stride_tricks.sliding_window_view(ids, context + 1))
    windows = np.concatenate(rows) if rows else np.zeros((0, context + 1), dtype=np.int64)
    return windows[:, :-1].copy(), windows[:, -1].copy()


def next_token_probabilities(logits, temperature=1.0):
    """softmax(logits / temperature) along the last axis: logits (..., V) -> probabilities.

    temperature > 1 flattens the distribution, < 1 sharpens it; 0 is its limit: all the
    probability on the largest logit (the first one, if several are equal).
    """
    logits = np.asarray(logits, dtype=np.float64)
    temperature = number(temperature, "temperature")
    if temperature == 0:
        return np.eye(logits.shape[-1])[np.argmax(logits, axis=-1)]
    scaled = logits / temperature
    scaled = scaled - scaled.max(axis=-1, keepdims=True)  # exp of at most 0: no overflow
    exp = np.exp(scaled)
    return exp / exp.sum(axis=-1, keepdims=True)


def sample(logits, temperature=1.0, rng=None):
    """One token index per row of logits (N, V), drawn from softmax(logits / temperature).

    rng: a np.random.Generator or a seed (None: fresh entropy). Returns (N,) int64.
    """
    logits = np.atleast_2d(logits)
    if logits.ndim != 2:
        raise ValueError(f"sample expects logits (N, V), one row per draw; received shape "
                         f"{logits.shape} (for a model of sequences, take the last position's: "
                         f"logits[:, -1])")
    cumulative = np.cumsum(next_token_probabilities(logits, temperature), axis=1)
    # u uniform in [0, total), the total being 1 up to rounding: the first index whose cumulative
    # probability exceeds u always exists and never has probability 0
    u = np.random.default_rng(rng).random((len(cumulative), 1)) * cumulative[:, -1:]
    return (cumulative <= u).sum(axis=1).astype(np.int64)


def generate(next_logits, vocabulary, *, context, n=1, temperature=1.0, max_length=50,
             rng=None):
    """`n` words written one character at a time by a model, until it writes the boundary.

    next_logits: a function from contexts (N, context) of indices to logits (N, V), e.g. a
        Sequential's `forward`. Every word starts from a context of boundaries; a word that has
        not ended after `max_length` characters is cut there.
    Returns a list of n strings (without the boundaries).
    """
    n, max_length = integer(n, "n"), positive_int(max_length, "max_length")
    rng, boundary = np.random.default_rng(rng), vocabulary.index[BOUNDARY]
    contexts = np.full((n, positive_int(context, "context")), boundary, dtype=np.int64)
    written = np.zeros((n, 0), dtype=np.int64)
    running = np.arange(n)  # the words not yet ended
    for _ in range(max_length):
        if len(running) == 0:
            break
        logits = np.asarray(next_logits(contexts[running]))
        if logits.shape != (len(running), len(vocabulary)):
            raise ValueError(f"next_logits must return ({len(running)}, {len(vocabulary)}) "
                             f"logits; returned shape {logits.shape}")
        tokens = np.full(n, boundary, dtype=np.int64)
        tokens[running] = sample(logits, temperature, rng)
        written = np.column_stack([written, tokens])
        contexts[running] = np.column_stack([contexts[running, 1:], tokens[running]])
        running = running[tokens[running] != boundary]
    words = []
    for row in written:
        ends = np.flatnonzero(row == boundary)
        words.append(vocabulary.decode(row[:ends[0]] if len(ends) else row))
    return words


def continue_text(next_logits, vocabulary, prompt, *, length, context, temperature=1.0, rng=None):
    """`prompt` followed by `length` characters written one at a time by a model of running text.

    next_logits: a function from contexts (1, t) of indices, 1 <= t <= context (the last `context`
        tokens written so far, fewer at the start), to logits (1, V) for the next token; for a
        transformer, its `forward` at the last position: lambda c: model.forward(c)[:, -1].
    """
    length, context = integer(length, "length"), positive_int(context, "context")
    if not prompt:
        raise ValueError("continue_text needs a prompt of at least one character")
    rng, ids = np.random.default_rng(rng), list(vocabulary.encode(prompt))
    for _ in range(length):
        logits = np.asarray(next_logits(np.array([ids[-context:]])))
        if logits.shape != (1, len(vocabulary)):
            raise ValueError(f"next_logits must return (1, {len(vocabulary)}) logits; returned "
                             f"shape {logits.shape}")
        ids.append(int(sample(logits, temperature, rng)[0]))
    return vocabulary.decode(np.array(ids))
