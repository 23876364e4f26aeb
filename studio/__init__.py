"""Kouyu Studio: build, review and fine-tune a speaking-practice tutor LLM."""

__version__ = "0.1.0"
