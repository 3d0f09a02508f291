"""The course's harness, kept apart from the library the lessons build: the self-checks of the
lessons' exercises (`nnlib.course.exercises`). Nothing in nnlib proper imports it."""
