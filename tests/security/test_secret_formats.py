"""Every secret format × form through the redactor itself (whole text and streamed in small
chunks), the base64-wrapped private key forms, and user patterns that cannot stall capture."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.security.payloads import CONTEXTUAL, FORMS, TOKENS, secret_lines
from warroom.config import ConfigError
from warroom.execute.redact import Redactor, RedactionSettings

CASES = secret_lines()


@pytest.mark.parametrize(("name", "line", "secret"), CASES, ids=[c[0] for c in CASES])
def test_format_and_form_redacted(name: str, line: str, secret: str) -> None:
    red = Redactor({})
    text = f"before\n{line}\nafter\n"
    whole = red.redact_text(text)
    assert secret not in whole and "[REDACTED:" in whole
    assert whole.startswith("before\n") and whole.endswith("after\n")
    stream = red.stream()
    data = text.encode()
    streamed = b"".join(stream.feed(data[i:i + 5]) for i in range(0, len(data), 5)) + stream.flush()
    assert streamed.decode() == whole


def test_counts() -> None:
    assert len(CASES) == len(TOKENS) * len(FORMS) + len(CONTEXTUAL) == 12 * 5 + 13


@pytest.mark.parametrize("text", [
    "mkdir -p /tmp/x && mkdir -pv y", "git checkout -b feature", "docker run -u 1000:1000 img",
    'echo "token=$API_TOKEN"', "curl -u me:$PW https://x", "Authorization: Bearer $HDR_VALUE",
    "mysql -u app -p shop", "ssh -p 2222 host", "base64 of nothing: TG9yZW0gaXBzdW0gZG9sb3Igc2l0IGFtZXQ=",
])
def test_not_secrets_left_alone(text: str) -> None:
    assert Redactor({}).redact_text(text) == text


def test_user_pattern_cannot_stall_capture() -> None:
    """(a+)+$ against a long run of a's is exponential for a backtracking engine; on RE2 it is a
    linear scan. Run in a child with a generous hang guard (not a speed assertion)."""
    code = ("from warroom.execute.redact import Redactor\n"
            "r = Redactor({}, patterns=[('evil', r'(a+)+$'), ('evil2', r'(x|x)*y')])\n"
            "out = r.redact_bytes(b'a' * 200000 + b'!\\n' + b'x' * 200000 + b'\\n')\n"
            "print(len(out))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) > 0


@pytest.mark.parametrize("regex", [r"(a)\1", r"(?<=key=)\w+", r"(?=x)y", r"a++"])
def test_patterns_re2_cannot_run_are_a_config_error(regex: str) -> None:
    from warroom.execute.redact_user import UserPatternError

    with pytest.raises(UserPatternError) as info:
        Redactor.from_env({}, RedactionSettings(patterns=[("x", regex)]))
    assert isinstance(info.value, ConfigError) and "RE2" in str(info.value)


def test_user_pattern_secret_group() -> None:
    red = Redactor({}, patterns=[("customer", r"cust=(?P<secret>[0-9a-f]{8})")])
    assert red.redact_text("id cust=deadbeef ok") == "id cust=[REDACTED:customer] ok"
