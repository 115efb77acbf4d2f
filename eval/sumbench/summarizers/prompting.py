"""The prompt a summarizer sends: the template with its ``{article}`` placeholder, and the
chat messages built from it, written once for in-process and served models alike."""

from __future__ import annotations

from sumbench.errors import SettingError

PLACEHOLDER = "{article}"


def check_prompt(prompt: str | None) -> None:
    """A prompt template must say where the article goes."""
    if prompt is not None and PLACEHOLDER not in prompt:
        raise SettingError("prompt", f"must contain the placeholder {PLACEHOLDER}")


def user_text(prompt: str, article: str) -> str:
    """The template with the article in place of every placeholder."""
    return prompt.replace(PLACEHOLDER, article)


def chat_messages(prompt: str, system_prompt: str | None, article: str
                  ) -> list[dict[str, str]]:
    """The chat messages for one article: the system prompt (if any), then the user's."""
    system = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return [*system, {"role": "user", "content": user_text(prompt, article)}]
