from __future__ import annotations

import os

import pytest

from studio.config import Config, ConfigError, Secrets, load_config
from studio.llm.registry import check_profile
from studio.resources import read_data


def write(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_template_loads_and_matches_the_default_mix(tmp_path) -> None:
    config = load_config(write(tmp_path, read_data("config.toml")))
    assert config == Config()
    assert config.mix == {"normal": 55, "short": 40, "off_topic": 5, "chinese": 5, "mixed": 5, "spelling": 5,
                          "grammar": 5}
    assert "offline" in config.providers


def test_missing_file_gives_defaults(tmp_path) -> None:
    assert load_config(tmp_path / "none.toml") == Config()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[studio\nteacher = 1", r"config.toml: not valid TOML: .*line 1"),
        ("[providers.q]\nkind = 'qianfan'\nrpm = 'fast'", r"config.toml: providers.q.rpm: Input should be a valid integer"),
        ("[providers.q]\nkind = 'gemini'", r"config.toml: provider 'q': unknown kind 'gemini' \(known: offline, openai, "),
        ("[providers.q]\nkind = 'openai'\nmodl = 'x'", r"config.toml: providers.q.modl: unknown key"),
        ("[mix]\nnormal = -5", r"config.toml: mix: weight for 'normal' must be a number >= 0"),
        ("[mix]\nnormal = 0\nshort = 0", r"config.toml: mix: at least one fault kind"),
        ("[studio]\nteacher = 3", r"config.toml: studio.teacher: Input should be a valid string"),
    ],
)
def test_broken_config_names_file_key_and_problem(tmp_path, text, expected) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_config(write(tmp_path, text), check_profile)  # the provider registry checks each profile's kind


def test_config_in_another_encoding_is_named(tmp_path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes("[studio]\nreviewer = '老师'".encode("gbk"))
    with pytest.raises(ConfigError, match="config.toml: not UTF-8"):
        load_config(path)


def test_unknown_provider_lists_known_ones() -> None:
    with pytest.raises(ConfigError, match="no provider profile named 'qf' \\(configured: offline\\)"):
        Config().provider("qf")


def test_secrets_come_from_environment_first(tmp_path) -> None:
    file = tmp_path / "secrets.toml"
    file.write_text('QIANFAN_API_KEY = "from-file-123456"\nOTHER_KEY = "other-123456"')
    os.chmod(file, 0o600)
    secrets = Secrets(file, environ={"QIANFAN_API_KEY": "from-env-123456"})
    assert secrets.get("QIANFAN_API_KEY") == "from-env-123456"
    assert secrets.get("OTHER_KEY") == "other-123456"
    assert secrets.get("MISSING") is None


def test_secrets_file_readable_by_others_is_refused_with_the_fix(tmp_path) -> None:
    file = tmp_path / "secrets.toml"
    file.write_text('QIANFAN_API_KEY = "abc123456"')
    os.chmod(file, 0o644)
    with pytest.raises(ConfigError, match=rf"mode 0644\); run: chmod 600 {file}"):
        Secrets(file, environ={}).get("QIANFAN_API_KEY")


def test_missing_secret_says_how_to_set_it(tmp_path) -> None:
    with pytest.raises(ConfigError, match="set the environment variable QIANFAN_API_KEY or add it to"):
        Secrets(tmp_path / "secrets.toml", environ={}).require("QIANFAN_API_KEY", "provider 'ernie'")


def test_redact_scrubs_every_known_secret(tmp_path) -> None:
    secrets = Secrets(None, environ={"OPENAI_API_KEY": "sk-verysecretvalue", "HOME": "/root"})
    text = secrets.redact("auth failed for sk-verysecretvalue at /root")
    assert "sk-verysecretvalue" not in text and "/root" in text
