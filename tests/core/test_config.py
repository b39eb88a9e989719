"""Settings are checked at start-up: a wrong value names the variable and what to do."""
import pytest

from kcc.config import ConfigError, load_settings


def test_defaults_in_development_make_and_keep_a_secret_key(tmp_path):
    first = load_settings({"KCC_ENV": "development"}, tmp_path)
    second = load_settings({"KCC_ENV": "development"}, tmp_path)
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
    assert first.database_url == f"sqlite:///{tmp_path / 'kcc.sqlite3'}"
    assert first.handover_timeout_s == 60 and first.idle_timeout_min == 30


def test_production_without_secret_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="KCC_SECRET_KEY is required"):
        load_settings({}, tmp_path)


@pytest.mark.parametrize("environ, message", [
    ({"KCC_ENV": "staging"}, "KCC_ENV must be one of"),
    ({"KCC_ENV": "testing", "KCC_HANDOVER_TIMEOUT_S": "soon"}, "KCC_HANDOVER_TIMEOUT_S must be a whole number"),
    ({"KCC_ENV": "testing", "KCC_IDLE_TIMEOUT_MIN": "0"}, "KCC_IDLE_TIMEOUT_MIN must be at least 1"),
    ({"KCC_ENV": "testing", "KCC_SMTP_TLS": "maybe"}, "KCC_SMTP_TLS must be true or false"),
    ({"KCC_ENV": "testing", "KCC_SMTP_PORT": "70000"}, "KCC_SMTP_PORT must be a port number"),
    ({"KCC_ENV": "testing", "KCC_DATABASE_URL": "mysql://x/y"}, "KCC_DATABASE_URL must start with"),
    ({"KCC_ENV": "production", "KCC_SECRET_KEY": "short"}, "at least 32 characters"),
])
def test_bad_setting_names_the_variable(tmp_path, environ, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(environ, tmp_path)


def test_plain_postgresql_url_uses_psycopg(tmp_path):
    settings = load_settings({"KCC_ENV": "testing", "KCC_DATABASE_URL": "postgresql://u@h/db"}, tmp_path)
    assert settings.database_url == "postgresql+psycopg://u@h/db"
