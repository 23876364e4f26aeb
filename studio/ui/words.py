"""The words the panes show for stored values (a topic's source, a review or job status, a filter or
sort order). The value itself stays what filters, files and commands use; only the word shown is in
the user's language (in the catalogue with the context "value": one English word may name other
things elsewhere, "seed" a random seed). A value without a word here is shown as it is."""

from __future__ import annotations

from studio.i18n import pgettext

WORDS = {
    "all": pgettext("value", "all"),
    # where a topic came from
    "seed": pgettext("value", "seed"),
    "expanded": pgettext("value", "expanded"),
    "imported": pgettext("value", "imported"),
    "manual": pgettext("value", "manual"),
    # a sample's review
    "pending": pgettext("value", "pending"),
    "approved": pgettext("value", "approved"),
    "rejected": pgettext("value", "rejected"),
    "edited": pgettext("value", "edited"),
    # runs and jobs
    "idle": pgettext("value", "idle"),
    "queued": pgettext("value", "queued"),
    "starting": pgettext("value", "starting"),
    "running": pgettext("value", "running"),
    "stopping": pgettext("value", "stopping"),
    "paused": pgettext("value", "paused"),
    "succeeded": pgettext("value", "succeeded"),
    "failed": pgettext("value", "failed"),
    "cancelled": pgettext("value", "cancelled"),
    "partial": pgettext("value", "partial"),
    "interrupted": pgettext("value", "interrupted"),
    # the Samples pane's check filter and sort orders
    "failing": pgettext("value", "failing"),
    "order": pgettext("value", "order"),
    "topic": pgettext("value", "topic"),
    "turn": pgettext("value", "turn"),
    "fault": pgettext("value", "fault"),
    "checks": pgettext("value", "checks"),
    "review": pgettext("value", "review"),
    "words": pgettext("value", "words"),
}


def word(value: str) -> str:
    """``value`` as the panes show it."""
    return WORDS.get(value, value)
