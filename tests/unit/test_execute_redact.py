"""Secret redaction: what is caught, what is left alone, and streaming across chunk boundaries."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.execute.redact import HOLD, RedactionSettings, Redactor, looks_secret_name, redact_text

TOKEN = "tok-9f8e7d6c5b4a39281706"
ENV = {"API_TOKEN": TOKEN, "HOME": "/home/ic", "KEYTIMEOUT": "1", "GITHUB_TOKEN_ENABLED": "true",
       "DB_PASSWORD": "correct horse battery", "PORT_KEY": "8080"}


@pytest.fixture
def r() -> Redactor:
    return Redactor.from_env(ENV)


@pytest.mark.parametrize(("raw", "expected"), [
    (f"token={TOKEN}", "token=[REDACTED:API_TOKEN]"),
    ("pw is correct horse battery!", "pw is [REDACTED:DB_PASSWORD]!"),
    ("keytimeout 1 true 8080 /home/ic", "keytimeout 1 true 8080 /home/ic"),  # trivial values untouched
    ("> Authorization: Bearer abc.def-ghi_jkl~mno+pqr/stu=", "> Authorization: Bearer [REDACTED:authorization]"),
    ('-H "Authorization: Basic dXNlcjpzM2NyZXQ=" url', '-H "Authorization: Basic [REDACTED:authorization]" url'),
    ("authorization: token ghp_abc", "authorization: token [REDACTED:authorization]"),
    ("header bearer eyJhbGciOiJIUzI1NiJ9abc", "header bearer [REDACTED:bearer]"),
    ("key AKIAIOSFODNN7EXAMPLE id", "key [REDACTED:aws_access_key_id] id"),
    ("temp ASIAY34FZKBOKMUTVV7A", "temp [REDACTED:aws_access_key_id]"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     "aws_secret_access_key = [REDACTED:aws_secret_access_key]"),
    ('"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",',
     '"SecretAccessKey": "[REDACTED:aws_secret_access_key]",'),
    ("sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx-yz", "[REDACTED:anthropic_key]"),
    ("OPENAI sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012", "OPENAI [REDACTED:api_key]"),
    ("slack xoxb-123456789012-abcdefghijkl", "slack [REDACTED:slack_token]"),
    ("xoxp-1-2-3-abcdef0123", "[REDACTED:slack_token]"),
    ("gh ghp_0123456789abcdefghijABCDEFGHIJ012345", "gh [REDACTED:github_token]"),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "[REDACTED:github_token]"),
    ("postgres://app:s3cr3tpass@db.internal:5432/flows", "postgres://app:[REDACTED:url_password]@db.internal:5432/flows"),
    ("DB_PASSWORD=hunter2hunter2 next", "DB_PASSWORD=[REDACTED:secret] next"),
    ('{"client_secret": "abcd1234efgh", "max_tokens": 4096}', '{"client_secret": "[REDACTED:secret]", "max_tokens": 4096}'),
    ("psql --password=s3cr3t --host db", "psql --password=[REDACTED:secret] --host db"),
    ("tool --api-key abcdef123456 --verbose", "tool --api-key [REDACTED:secret] --verbose"),
    # left alone: references to secrets, counts, ordinary words
    ("secretName: flowengine-api-keys", "secretName: flowengine-api-keys"),
    ("prompt_tokens: 1234 tokens used; task-ant-colony", "prompt_tokens: 1234 tokens used; task-ant-colony"),
    ("password:  16 bytes", "password:  16 bytes"),
])
def test_examples(r: Redactor, raw: str, expected: str) -> None:
    assert r.redact_text(raw) == expected


def test_pem_private_key_block_spanning_lines(r: Redactor) -> None:
    text = ("before\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQyNTUxOQAAACBmZXJ0\n"
            "-----END OPENSSH PRIVATE KEY-----\nafter\n")
    assert r.redact_text(text) == "before\n[REDACTED:private_key]\nafter\n"
    enc = ("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,ABC\n\n"
           "MIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----")
    assert r.redact_text(enc) == "[REDACTED:private_key]\n"
    one_line = '{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADAN\\n-----END PRIVATE KEY-----\\n", "x": 1}'
    out = r.redact_text(one_line)
    assert "MIIEvQIBADAN" not in out and out.endswith('"x": 1}')
    truncated = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2\nkubectl says: done\n"
    assert r.redact_text(truncated) == "[REDACTED:private_key]\nkubectl says: done\n"
    cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    assert r.redact_text(cert) == cert


def test_secret_split_by_colour_codes_is_still_caught(r: Redactor) -> None:
    line = "match: \x1b[01;31mghp_\x1b[m0123456789abcdefghijABCDEFGHIJ012345"
    assert r.redact_text(line) == "match: [REDACTED:github_token]"
    coloured = f"\x1b[32mok\x1b[0m {TOKEN}"
    assert r.redact_text(coloured) == "\x1b[32mok\x1b[0m [REDACTED:API_TOKEN]", "found whole: colour kept"
    plain_colour = "\x1b[32mall good\x1b[0m"
    assert r.redact_text(plain_colour) == plain_colour


def test_pii_only_when_enabled() -> None:
    text = "mail ops@example.com card 4111 1111 1111 1111 not 4111 1111 1111 1112 ssn 123-45-6789 id 000-12-3456"
    assert Redactor({}).redact_text(text) == text
    got = Redactor({}, redact_pii=True).redact_text(text)
    assert got == ("mail [REDACTED:email] card [REDACTED:card] not 4111 1111 1111 1112 "
                   "ssn [REDACTED:ssn] id 000-12-3456")


def test_configured_patterns_and_env_names() -> None:
    settings_ = RedactionSettings(env_names=["FLOW_DSN", "VAULT_*"],
                                  patterns=[("customer-id", r"cust_[0-9a-f]{16}"),
                                            ("ticket", r"ticket=(?P<secret>\d+)")])
    red = Redactor.from_env({"FLOW_DSN": "dsn-value-123", "VAULT_ADDR_X": "vault-addr-9", "OTHER": "other-value"},
                            settings_)
    out = red.redact_text("cust_0123456789abcdef dsn-value-123 vault-addr-9 other-value ticket=991")
    assert out == ("[REDACTED:customer-id] [REDACTED:FLOW_DSN] [REDACTED:VAULT_ADDR_X] other-value "
                   "ticket=[REDACTED:ticket]")


def test_secret_names() -> None:
    for name in ("API_TOKEN", "aws_secret_access_key", "PGPASSWORD", "GOOGLE_APPLICATION_CREDENTIALS", "api_key"):
        assert looks_secret_name(name)
    for name in ("HOME", "PATH", "NAMESPACE", "USER"):
        assert not looks_secret_name(name)


def test_redact_text_default_uses_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_SECRET", "very-secret-thing")
    assert redact_text("kubectl create secret x --from-literal=v=very-secret-thing") == \
        "kubectl create secret x --from-literal=v=[REDACTED:SERVICE_SECRET]"


def test_secret_split_across_reads(r: Redactor) -> None:
    s = r.stream()
    out = s.feed(b"Authorization: Bea") + s.feed(b"rer abcdefgh") + s.feed(b"ijkl\ntok-9f8e7d") + s.feed(b"6c5b4a39281706\n")
    out += s.flush()
    assert out == b"Authorization: Bearer [REDACTED:authorization]\n[REDACTED:API_TOKEN]\n"


def test_secret_at_the_cut_of_an_overlong_line(r: Redactor) -> None:
    filler = b"x" * (HOLD - 10)
    data = filler + b" " + TOKEN.encode() + b" " + b"y" * 100_000 + b"\n"
    s = r.stream()
    out = b"".join(s.feed(data[i:i + 4096]) for i in range(0, len(data), 4096)) + s.flush()
    assert TOKEN.encode() not in out and b"[REDACTED:API_TOKEN]" in out
    assert out.replace(b"[REDACTED:API_TOKEN]", TOKEN.encode()) == data


# ---- properties --------------------------------------------------------------------------

_SECRETS = [TOKEN, "Authorization: Bearer abcdefgh1234", "AKIAIOSFODNN7EXAMPLE", "sk-ant-api03-AbCdEfGhIjKlMnOpQrSt",
            "xoxb-123456789012-abcdefghijkl", "ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n",
            "password=hunter2hunter2", "bob@example.com", "4111 1111 1111 1111"]
_TEXT = st.lists(st.one_of(st.sampled_from(_SECRETS), st.sampled_from(["\n", " ", "\x1b[31m", ":", "="]),
                           st.text(max_size=6)), max_size=30).map("".join)


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    out, prev = [], 0
    for p in points:
        out.append(data[prev:p])
        prev = p
    out.append(data[prev:])
    return out


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.lists(st.integers(min_value=0, max_value=5000), max_size=10), st.booleans())
def test_chunking_never_changes_the_result(text: str, cuts: list[int], pii: bool) -> None:
    red = Redactor.from_env(ENV, RedactionSettings(redact_pii=pii))
    data = text.encode("utf-8", "surrogatepass")
    whole = red.redact_bytes(data)
    s = red.stream()
    assert b"".join(s.feed(c) for c in _chunks(data, cuts)) + s.flush() == whole


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.lists(st.integers(min_value=0, max_value=1000), max_size=8))
def test_arbitrary_input_never_raises(data: bytes, cuts: list[int]) -> None:
    red = Redactor.from_env(ENV, RedactionSettings(redact_pii=True, patterns=[("x", r"a+b")]))
    s = red.stream()
    b"".join(s.feed(c) for c in _chunks(data, cuts)) + s.flush()
    red.redact_text(data.decode("utf-8", "replace"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abc xyz\n-:=", max_size=8), max_size=6), st.integers(0, 3))
def test_env_secret_never_survives(parts: list[str], where: int) -> None:
    parts.insert(min(where, len(parts)), TOKEN)
    text = "".join(parts)
    assert TOKEN not in Redactor.from_env(ENV).redact_text(text)
