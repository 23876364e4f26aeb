"""The offline teacher's Analysis, in Chinese, about what the student actually wrote: for a full answer the words
and structures it uses (quoted; :mod:`studio.llm.offline.praise` finds them) and one tip built from it; for an
answer with errors each exact fix and the corrected sentence (:mod:`studio.llm.offline.corrections`); how to say a
fragment or a too-short answer in full (the tutorial's rule 4, with the right diagnosis: a phrase, a clause on its
own, an order, or a short sentence), help for a non-answer, and the redirect of a Chinese or off-topic answer
(rule 5).

Each kind is written in a module of its own: a full answer in :mod:`studio.llm.offline.full_answer`, errors in
:mod:`studio.llm.offline.corrections`, a short answer in :mod:`studio.llm.offline.short_answer`, a non-answer,
Chinese and off topic in :mod:`studio.llm.offline.redirects`; the rest of the offline teacher takes them from here.

:mod:`studio.llm.offline.teacher` and :mod:`studio.llm.offline.talk` pick which one a turn gets,
from :func:`studio.llm.offline.reading.assess`.
"""

from __future__ import annotations

from studio.llm.offline.corrections import analysis_errors
from studio.llm.offline.full_answer import analysis_normal
from studio.llm.offline.praise import gives_reason
from studio.llm.offline.redirects import analysis_chinese, analysis_non_answer, analysis_off_topic
from studio.llm.offline.redirects import said_in_english as said_in_english
from studio.llm.offline.short_answer import adds as adds
from studio.llm.offline.short_answer import analysis_short

__all__ = ["analysis_chinese", "analysis_errors", "analysis_non_answer", "analysis_normal", "analysis_off_topic",
           "analysis_short", "gives_reason"]
