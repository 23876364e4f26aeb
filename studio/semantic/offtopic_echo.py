"""An answer that echoes a word of the question and takes it elsewhere ("Row? I learned to row a boat
last summer on West Lake" when the class photo's back row was asked for).

The echoed word makes such an answer look close to the dialogue in every measure of the check, so it
is judged by what its rest says once the dialogue's own words are taken out (:func:`unshared`): at
least as close to an everyday subject the dialogue is not about as to the dialogue, it is off topic.
An echo answered at once ("Scared? Very! …", "Class? No, there is none in our town …") is the answer
itself, not a turn elsewhere; an echo of a question word alone ("Why? Because …") borrows nothing.

The margin and word counts were chosen on the echo answers of ``off_topic_final3.json`` to
``final5.json`` (51 answers; none of the other labelled sets, nor the offline student, echoes), then
measured on sets written after (README, The teacher contract: off topic).
"""

from __future__ import annotations

from studio.semantic.lexicon import content_words
from studio.semantic.offtopic_features import echoed, features, unshared

#: The rest, without the dialogue's words, holds at least this many content words ...
ECHO_CONTENT_WORDS = 3
#: ... and is at least this much closer (cosine) to an everyday subject than to the dialogue.
ECHO_MARGIN = -0.01


def taken_elsewhere(utterance: str, topic: str, title: str, question: str) -> tuple[str, str] | None:
    """(the echoed words, the rest) of an answer that echoes the question's words and takes them
    elsewhere: its rest, without the dialogue's words, is about an everyday subject the dialogue is not.
    None where the answer does not."""
    found = echoed(utterance, question)
    if found is None:
        return None
    left = unshared(found[1], topic, title, question)
    if len(content_words(left)) < ECHO_CONTENT_WORDS:
        return None
    f = features(left, topic=topic, title=title, question=question)
    return found if f[2] - f[3] >= ECHO_MARGIN else None  # the best other subject against the dialogue
