"""nnlib.language: the vocabulary, the context windows of a word, softmax with temperature, and
sampling and generation drawn with the right frequencies from a seed."""

import numpy as np
import pytest

from nnlib.language import (
    Vocabulary,
    context_windows,
    continue_text,
    generate,
    next_token_probabilities,
    sample,
)


def test_vocabulary_puts_the_boundary_first_and_round_trips():
    vocabulary = Vocabulary.from_words(["cab", "bad"])
    assert vocabulary.chars == [".", "a", "b", "c", "d"] and len(vocabulary) == 5
    np.testing.assert_array_equal(vocabulary.encode("dab"), [4, 1, 2])
    assert vocabulary.encode("dab").dtype == np.int64
    assert vocabulary.decode(np.array([3, 1, 2, 0])) == "cab."


@pytest.mark.parametrize("action, message", [
    (lambda v: v.encode("abz"), r"'z' \(in 'abz'\) is not in the vocabulary '.abcd'"),
    (lambda v: v.decode([1, 5]), r"decode expects integer indices 0..4"),
    (lambda v: v.decode([-1]), r"decode expects integer indices 0..4"),
    (lambda v: v.decode([1.0]), r"decode expects integer indices 0..4"),
    (lambda v: Vocabulary("abca"), r"must be distinct; \['a'\] repeat"),
    (lambda v: Vocabulary(["ab", "c"]), "a vocabulary is a string of distinct characters"),
    (lambda v: Vocabulary.from_words(["a.b"]), "the words contain the boundary token '.'"),
])
def test_bad_text_and_indices_are_refused(action, message):
    with pytest.raises((ValueError, TypeError), match=message):
        action(Vocabulary.from_words(["cab", "bad"]))


def test_context_windows_of_two_words():
    vocabulary = Vocabulary.from_words(["ab", "b"])  # . a b
    X, y = context_windows(["ab", "b"], vocabulary, 2)
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 2], [0, 0], [0, 2]])
    np.testing.assert_array_equal(y, [1, 2, 0, 2, 0])
    X, y = context_windows([], vocabulary, 3)
    assert X.shape == (0, 3) and y.shape == (0,)


def test_temperature_divides_the_logits_and_large_logits_stay_finite(rng):
    Z = rng.normal(size=(4, 6)) * 3
    for tau in (0.3, 1.0, 2.5):
        expected = np.exp(Z / tau) / np.exp(Z / tau).sum(axis=1, keepdims=True)
        np.testing.assert_allclose(next_token_probabilities(Z, tau), expected, rtol=1e-12)
    P = next_token_probabilities(np.array([1000.0, 999.0, 0.0]), 0.5)
    np.testing.assert_allclose(P, [1 / (1 + np.exp(-2)), np.exp(-2) / (1 + np.exp(-2)), 0],
                               atol=1e-15)
    np.testing.assert_array_equal(next_token_probabilities([[1, 3, 3], [5, 0, 1]], 0),
                                  [[0, 1, 0], [1, 0, 0]])
    with pytest.raises(ValueError, match="temperature must be a finite number >= 0"):
        next_token_probabilities(Z, -1)


def test_samples_follow_the_probabilities_and_repeat_from_a_seed():
    logits = np.array([np.log(0.5), np.log(0.3), np.log(0.2), -np.inf])  # -inf: never
    draws = sample(np.tile(logits, (40_000, 1)), rng=0)
    frequencies = np.bincount(draws, minlength=4) / len(draws)
    # each frequency within 4 standard errors (at most 0.0025) of its probability
    np.testing.assert_allclose(frequencies, [0.5, 0.3, 0.2, 0.0], atol=0.01)
    np.testing.assert_array_equal(draws[:50], sample(np.tile(logits, (50, 1)), rng=0))
    assert sample(logits, rng=1).shape == (1,)
    assert set(sample(np.tile([0.0, 2.0, 1.0], (100, 1)), temperature=0, rng=2)) == {1}


def counting_model(context):
    """Writes "abc" and then the boundary, whatever the seed: the next token is the last one + 1."""
    def next_logits(contexts):
        assert contexts.shape[1] == context
        logits = np.full((len(contexts), 5), -50.0)
        following = (contexts[:, -1] + 1) % 4  # . -> a -> b -> c -> .
        logits[np.arange(len(contexts)), following] = 50.0
        return logits
    return next_logits


def test_generate_writes_until_the_boundary_and_cuts_at_max_length():
    vocabulary = Vocabulary.from_words(["abcd"])  # . a b c d
    assert generate(counting_model(2), vocabulary, context=2, n=3, rng=0) == ["abc"] * 3
    assert generate(counting_model(1), vocabulary, context=1, max_length=2, rng=0) == ["ab"]
    assert generate(counting_model(1), vocabulary, context=1, n=0, rng=0) == []
    with pytest.raises(ValueError, match=r"next_logits must return \(2, 5\) logits; returned "
                                         r"shape \(2, 4\)"):
        generate(lambda c: np.zeros((len(c), 4)), vocabulary, context=1, n=2, rng=0)


def test_generate_draws_words_of_the_right_length_distribution():
    """A model that ends the word with probability 1/4 at every step: lengths are geometric with
    mean 3."""
    vocabulary = Vocabulary.from_words(["ab"])
    logits = np.log([0.25, 0.375, 0.375])
    words = generate(lambda c: np.tile(logits, (len(c), 1)), vocabulary, context=1, n=4000,
                     max_length=200, rng=0)
    assert abs(np.mean([len(w) for w in words]) - 3) < 0.15  # standard error 0.055
    assert words == generate(lambda c: np.tile(logits, (len(c), 1)), vocabulary, context=1,
                             n=4000, max_length=200, rng=0)


def test_continue_text_reads_at_most_the_context_and_writes_the_length_asked():
    vocabulary = Vocabulary("abc")
    seen = []

    def next_logits(contexts):          # always "the token after the last one", cyclically
        seen.append(contexts.shape[1])
        logits = np.full((1, 3), -50.0)
        logits[0, (contexts[0, -1] + 1) % 3] = 50.0
        return logits

    assert continue_text(next_logits, vocabulary, "b", length=5, context=3, rng=0) == "bcabca"
    assert seen == [1, 2, 3, 3, 3]
    assert continue_text(next_logits, vocabulary, "ab", length=0, context=3, rng=0) == "ab"
    with pytest.raises(ValueError, match="needs a prompt"):
        continue_text(next_logits, vocabulary, "", length=2, context=3)
    with pytest.raises(ValueError, match=r"must return \(1, 3\) logits; returned shape \(3,\)"):
        continue_text(lambda c: np.zeros(3), vocabulary, "a", length=1, context=2)


def test_a_token_of_probability_zero_is_never_drawn_even_by_rounding():
    """Cumulative sums that round below 1 must not hand the last, impossible, token the rest."""
    logits = np.append(np.full(10, np.log(0.1)), -np.inf)[None, :]
    draws = sample(np.repeat(logits, 20_000, axis=0), rng=3)
    assert draws.max() <= 9

    class AlmostOne(np.random.Generator):   # every draw is the largest number below 1
        def random(self, shape):
            return np.full(shape, np.nextafter(1.0, 0.0))
    assert sample(logits, rng=AlmostOne(np.random.PCG64(0)))[0] == 9


def test_a_draw_of_exactly_zero_skips_the_leading_tokens_of_probability_zero():
    class Zero(np.random.Generator):
        def random(self, shape):
            return np.zeros(shape)
    assert sample(np.array([[-np.inf, 0.0, 0.0]]), rng=Zero(np.random.PCG64(0)))[0] == 1


def test_the_defaults_temperature_1_and_names_of_at_most_50_characters():
    Z = np.random.default_rng(0).normal(size=(3, 5))
    np.testing.assert_allclose(next_token_probabilities(Z), next_token_probabilities(Z, 1.0))
    np.testing.assert_allclose(next_token_probabilities(Z).sum(axis=1), 1)
    assert not np.allclose(next_token_probabilities(Z), next_token_probabilities(Z, 0))
    vocabulary = Vocabulary.from_words(["ab"])                 # . a b
    never_ends = lambda c: np.tile([-np.inf, 0.0, 0.0], (len(c), 1))   # noqa: E731
    assert [len(w) for w in generate(never_ends, vocabulary, context=2, n=3, rng=0)] == [50] * 3
    uniform = lambda c: np.zeros((1, 3))                       # noqa: E731
    written = continue_text(uniform, vocabulary, "a", length=300, context=2, rng=0)
    assert set(written) == {".", "a", "b"}                     # drawn, not always the first


def test_sample_refuses_logits_of_sequences():
    with pytest.raises(ValueError, match=r"logits\[:, -1\]"):
        sample(np.zeros((2, 3, 4)), rng=0)
