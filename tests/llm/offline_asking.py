"""Asking the offline teacher for one answer, as a generation run would: the shipped reply prompt, rendered for a card's
topic and a dialogue so far (shared by the offline simulator's tests)."""

from __future__ import annotations

import json

from studio.domain.layout import format_history
from studio.llm.base import ChatRequest, Message
from studio.llm.offline import OfflineProvider
from studio.llm.offline.cards import Card
from studio.turn.prompts import Prompts

PROMPTS = Prompts()


def ask_teacher(sim: OfflineProvider, card: Card, history: list[tuple[str, str]], variant: str = "",
                topic_name: str = "话题") -> dict:
    """The teacher's answer (its JSON read) to ``history`` on ``card``'s topic."""
    prompt = PROMPTS.render("teacher_reply", topic=card.topic, title=card.title, topic_name=topic_name,
                            chat=format_history(history))
    return json.loads(sim.respond(ChatRequest([Message("user", prompt)], variant=variant)))
