"""Numbers in words: what a dancer reads."""

from balletmirror.render.words import tempo_words, turns_words


def test_one_turn_is_singular():
    assert [turns_words(t) for t in (1, 1.0, 2, 1.5, 0.25)] == [
        "1 turn", "1 turn", "2 turns", "1.5 turns", "0.25 turns"]


def test_tempo_in_words_says_which_way():
    assert [tempo_words(r) for r in (1.0, 1.02, 1.2, 0.8)] == [
        "the same tempo", "the same tempo", "20% slower", "20% faster"]
