"""Hostile text for the red-team tests: terminal escapes of every kind, and secrets in every
format and form. Shared by the CLI, export and dashboard tests so the counts in the notes match.
"""

from __future__ import annotations

import re

# kind -> text that a terminal (or tmux, or a spreadsheet) would act on
ESCAPES: dict[str, str] = {
    "osc0-title-bel": "\x1b]0;PWNED-TITLE\x07",
    "osc2-title-st": "\x1b]2;PWNED-TITLE\x1b\\",
    "osc52-clipboard": "\x1b]52;c;UFdORUQtQ0xJUA==\x07",
    "osc8-hyperlink": "\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\",
    "csi-clear-home": "\x1b[2J\x1b[H",
    "csi-cursor-up": "\x1b[5A",
    "sgr-colour": "\x1b[31;1mRED\x1b[0m",
    "dcs-tmux-passthrough": "\x1bPtmux;\x1b\x1b]0;PWNED-TITLE\x07\x1b\\",
    "apc-string": "\x1b_Gkitty\x1b\\",
    "ris-reset": "\x1bc",
    "c1-csi": "\x9b2J",
    "c1-osc-title": "\x9d0;PWNED-TITLE\x9c",
    "bel": "\x07",
    "backspace": "abc\x08\x08\x08",
    "cr-overwrite": "safe\rEVIL",
    "nul-del": "\x00\x7f",
    "bidi-override": "\u202eevil\u202c",
}

# Characters no sink but step output may emit: C0 (not \t \n), DEL, C1, bidi controls.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def tagged(channel: str) -> str:
    """One text carrying every escape kind, each behind a tag naming channel and kind."""
    return " ".join(f"«{channel}:{kind}»{payload}" for kind, payload in ESCAPES.items())


def tags_seen(text: str, channel: str) -> set[str]:
    """The escape kinds whose tag for ``channel`` is in ``text``."""
    return {kind for kind in ESCAPES if f"«{channel}:{kind}»" in text}


def forbidden(text: str) -> list[str]:
    """The forbidden characters in ``text`` with a little context, for assertion messages."""
    return [repr(text[max(0, m.start() - 20):m.end() + 20]) for m in FORBIDDEN.finditer(text)][:5]


# ------------------------------------------------------------------ secrets

def _b64_pem() -> tuple[str, str]:
    import base64

    body = "MIIEowIBAAKCAQEAx9Kq3Pz7Lr2Vb8Nw5Tt1Yh6Gj4Df0Sa9Qe2Wr7Ut3Io5Pl1Kk8Mm"
    pem = f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n"
    return base64.b64encode(pem.encode()).decode(), body


B64_PEM, PEM_BODY = _b64_pem()


def _b64_wrapped() -> tuple[str, str]:
    """A private key as `base64 key.pem` prints it: 76-column lines; (text, a middle line)."""
    import base64
    import textwrap

    pem = ("-----BEGIN EC PRIVATE KEY-----\n" + "\n".join([PEM_BODY] * 10) + "\n-----END EC PRIVATE KEY-----\n")
    lines = textwrap.wrap(base64.b64encode(pem.encode()).decode(), 76)
    return "\n".join(lines), lines[len(lines) // 2]


B64_WRAPPED, B64_WRAPPED_LINE = _b64_wrapped()

# format -> a token of that format (synthetic, never real)
TOKENS: dict[str, str] = {
    "stripe-secret": "sk_live_" + "51Hq7WbXk2PzR8uVt4NyLm0Q",
    "stripe-restricted": "rk_live_" + "51Hq7WbXk2PzR8uVt4NyLm0Q",
    "gitlab-pat": "glpat-" + "Xy7Qp2Lm9Rt4Vb1Nz8Wk",
    "npm": "npm_" + "a8Kq2Lm7Rt4Vb1Nz8WkXy7Qp2Lm9Rt4Vb1N",
    "huggingface": "hf_" + "Kq2Lm7Rt4Vb1Nz8WkXy7Qp2Lm9Rt4Vb1Nz",
    "sendgrid": "SG." + "Kq2Lm7Rt4Vb1Nz8WkXy7Qp" + "." + "2Lm9Rt4Vb1Nz8WkXy7Qp2Lm9Rt4Vb1Nz8WkXy7Qp2Lm",
    "aws-key-id": "AKIA" + "Q7WBXK2PZR8UVT4N",
    "github": "ghp_" + "Kq2Lm7Rt4Vb1Nz8WkXy7Qp2Lm9Rt4Vb1Nz8W",
    "slack": "xoxb-" + "123456789012-1234567890123-Kq2Lm7Rt4Vb1Nz8WkXy7Qp2L",
    "anthropic": "sk-ant-" + "api03-Kq2Lm7Rt4Vb1Nz8WkXy7Qp2Lm9Rt4",
    "google-api": "AIza" + "SyKq2Lm7Rt4Vb1Nz8WkXy7Qp2Lm9Rt4Vb1N",
    "jwt": "eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiJpYy1yb2JvdCJ9" + ".Kq2Lm7Rt4Vb1Nz8WkXy7Qp2Lm9",
}

# form -> how a token appears in text
FORMS: dict[str, str] = {
    "plain": "{s}",
    "env-var": "export SERVICE_VALUE={s}",
    "url": "https://api.example.com/v1/charges?expand=all&key={s}&limit=3",
    "header": "X-Custom-Auth: {s}",
    "json": '{{"value": "{s}", "note": "rotated"}}',
}

# secrets that come with their own context: format -> (line, the secret part)
AZURE_KEY = "Kq2Lm7Rt4Vb1Nz8WkXy7Qp2Lm9Rt4Vb1Nz8WkXy7Qp2Lm9Rt4Vb1Nz8WkXy7Qp2Lm9Rt4Vb1Nz8WkXy7Qp2Lm9=="  # 86 base64 characters and "==", like a real storage key
CONTEXTUAL: dict[str, tuple[str, str]] = {
    "azure-connection-string": (f"DefaultEndpointsProtocol=https;AccountName=ops;AccountKey={AZURE_KEY};"
                                "EndpointSuffix=core.windows.net", AZURE_KEY),
    "azure-key-bare": (f'{{"keyName": "key1", "value": "{AZURE_KEY}"}}', AZURE_KEY),
    "mysql-p": ("mysql -h db.internal -u app -pHunter2Secret9x shop", "Hunter2Secret9x"),
    "mysql-password": ("mysqldump --user=app --password=Hunter3Secret9y shop", "Hunter3Secret9y"),
    "curl-u": ("curl -fsS -u deploy:Tr0ub4dor3xyz https://ci.example.com/api", "Tr0ub4dor3xyz"),
    "url-credentials": ("git clone https://deploy:Corr3ctHorse77@git.example.com/ops.git", "Corr3ctHorse77"),
    "cookie-header": ("curl -H 'Cookie: session=Zx9SessionValue123; theme=dark' https://x", "Zx9SessionValue123"),
    "set-cookie": ("< Set-Cookie: sid=Qw8SetCookieValue456; Path=/; HttpOnly", "Qw8SetCookieValue456"),
    "bearer-header": ("Authorization: Bearer Pz4BearerTokenValue789abc", "Pz4BearerTokenValue789abc"),
    "k8s-tls-key": (f"  tls.key: {B64_PEM}", B64_PEM),
    "kubeconfig-client-key-data": (f"    client-key-data: {B64_PEM}", B64_PEM),
    "pem-block": (f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----", PEM_BODY),
    "pem-base64-wrapped": (B64_WRAPPED, B64_WRAPPED_LINE),
}


def secret_lines() -> list[tuple[str, str, str]]:
    """(case name, line, secret) for every format × form and every contextual secret."""
    out = [(f"{fmt}/{form}", pattern.format(s=tok), tok) for fmt, tok in TOKENS.items()
           for form, pattern in FORMS.items()]
    out += [(f"{fmt}/own", line, secret) for fmt, (line, secret) in CONTEXTUAL.items()]
    return out
