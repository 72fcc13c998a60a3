import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from bot.app.settings import SettingsError, from_env
from bot.cli import main


@pytest.fixture(scope="module")
def pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def env(pem: str, **extra: str) -> dict[str, str]:
    return {"GITHUB_APP_ID": "42", "GITHUB_PRIVATE_KEY": pem,
            "GITHUB_WEBHOOK_SECRET": "s3cret-value", **extra}


def test_defaults(pem: str) -> None:
    settings = from_env(env(pem))
    assert (settings.api_url, settings.host, settings.port) == (
        "https://api.github.com", "0.0.0.0", 8080)


def test_bounds_on_unverified_bodies(pem: str) -> None:
    assert (from_env(env(pem)).body_timeout, from_env(env(pem)).unverified_mb) == (10.0, 64)
    tuned = from_env(env(pem, PERFBOT_BODY_TIMEOUT="2.5", PERFBOT_UNVERIFIED_MB="256"))
    assert (tuned.body_timeout, tuned.unverified_mb) == (2.5, 256)


def test_enterprise_server_url(pem: str) -> None:
    url = "https://ghe.example.com/api/v3/"
    assert from_env(env(pem, GITHUB_API_URL=url)).api_url == "https://ghe.example.com/api/v3"


def test_key_from_a_file_and_with_escaped_newlines(pem: str, tmp_path) -> None:
    path = tmp_path / "key.pem"
    path.write_text(pem)
    values = env(pem)
    del values["GITHUB_PRIVATE_KEY"]
    assert from_env({**values, "GITHUB_PRIVATE_KEY_PATH": str(path)}).private_key == pem
    one_line = pem.replace("\n", "\\n")
    assert from_env(env(one_line)).private_key == pem


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"GITHUB_APP_ID": ""}, "GITHUB_APP_ID"),
        ({"GITHUB_APP_ID": "perfbot"}, "GITHUB_APP_ID"),
        ({"GITHUB_PRIVATE_KEY": "not a key"}, "GITHUB_PRIVATE_KEY"),
        ({"GITHUB_PRIVATE_KEY": "", "GITHUB_PRIVATE_KEY_PATH": "/nope.pem"},
         "GITHUB_PRIVATE_KEY_PATH"),
        ({"GITHUB_WEBHOOK_SECRET": ""}, "GITHUB_WEBHOOK_SECRET"),
        ({"GITHUB_API_URL": "ftp://x"}, "GITHUB_API_URL"),
        ({"PORT": "80000"}, "PORT"),
        ({"PERFBOT_BODY_TIMEOUT": "forever"}, "PERFBOT_BODY_TIMEOUT"),
        ({"PERFBOT_UNVERIFIED_MB": "10"}, "PERFBOT_UNVERIFIED_MB"),  # below one delivery
    ],
)
def test_bad_setting_is_named_without_its_value(pem: str, change, named: str) -> None:
    with pytest.raises(SettingsError) as caught:
        from_env({**env(pem), **change})
    message = str(caught.value)
    assert named in message
    for value in change.values():
        if value:
            assert value not in message


def test_ec_key_is_refused(pem: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    with pytest.raises(SettingsError, match="RSA"):
        from_env(env(key))


def test_secrets_stay_out_of_repr(pem: str) -> None:
    shown = repr(from_env(env(pem)))
    assert "s3cret-value" not in shown and "PRIVATE KEY" not in shown


def test_serve_stops_with_one_line_naming_the_setting(monkeypatch, capsys, pem: str) -> None:
    for name in ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_PATH",
                 "GITHUB_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_APP_ID", "42")
    monkeypatch.setenv("GITHUB_PRIVATE_KEY", pem)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == ["perfbot: GITHUB_WEBHOOK_SECRET is not set"]


def test_every_problem_is_reported_at_once_without_a_value(pem: str, tmp_path) -> None:
    bad = {
        "GITHUB_APP_ID": "app-4242",
        "GITHUB_PRIVATE_KEY": "",
        "GITHUB_PRIVATE_KEY_PATH": str(tmp_path / "missing-key.pem"),
        "GITHUB_WEBHOOK_SECRET": "",
        "GITHUB_API_URL": "http://[::1",
        "PORT": "eighty",
        "PERFBOT_CONCURRENCY": "0",
        "PERFBOT_QUEUE_SIZE": "-5",
        "PERFBOT_LOG_FORMAT": "xml",
    }
    with pytest.raises(SettingsError) as caught:
        from_env(bad)
    problems = caught.value.problems
    assert [problem.split()[0].rstrip(":") for problem in problems] == [
        "GITHUB_APP_ID", "GITHUB_PRIVATE_KEY_PATH", "GITHUB_WEBHOOK_SECRET", "GITHUB_API_URL",
        "PORT", "PERFBOT_CONCURRENCY", "PERFBOT_QUEUE_SIZE", "PERFBOT_LOG_FORMAT"]
    message = str(caught.value)
    assert message.startswith("8 settings to fix: ") and "\n" not in message
    for value in ("app-4242", "missing-key", "[::1", "eighty", "-5", "xml"):
        assert value not in message


def test_a_malformed_key_is_reported_beside_a_missing_secret(pem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        from_env(env("-----BEGIN PRIVATE KEY-----\nhunter2\n", GITHUB_WEBHOOK_SECRET=""))
    assert caught.value.problems == (
        "GITHUB_PRIVATE_KEY is not a PEM-encoded private key",
        "GITHUB_WEBHOOK_SECRET is not set",
    )
    assert "hunter2" not in str(caught.value)


def test_serve_names_every_missing_setting_on_one_line(monkeypatch, capsys) -> None:
    for name in ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_PATH",
                 "GITHUB_WEBHOOK_SECRET", "GITHUB_API_URL", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORT", "99999")
    assert main(["serve"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "perfbot: 4 settings to fix: GITHUB_APP_ID is not set; GITHUB_PRIVATE_KEY or "
        "GITHUB_PRIVATE_KEY_PATH must be set; GITHUB_WEBHOOK_SECRET is not set; PORT must be "
        "a whole number from 1 to 65535"]
