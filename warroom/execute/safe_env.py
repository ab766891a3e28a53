"""Which shell variables a read-only step may assign: the names that cannot change what later
commands run or read as their configuration.

A step that sets ``PAGER``, ``LD_PRELOAD``, ``KUBECONFIG``-like paths or a proxy can make a later,
read-only-looking command do something else, and an incident carries every variable a step sets
into the environment of its later steps. The read-only prover (:mod:`warroom.execute.prove`), its
rule for ``env NAME=value cmd`` (:mod:`warroom.execute.rules_wrap`) and the strict parser's
``${X:=…}`` (:mod:`warroom.execute.shparse`) ask this one rule.
"""

from __future__ import annotations

import re

_SAFE_ENV = {"LANG", "LANGUAGE", "TZ", "NO_COLOR", "COLUMNS", "LINES", "TERM", "PGHOST", "PGPORT",
             "PGUSER", "PGDATABASE", "PGPASSWORD", "PGCONNECT_TIMEOUT", "PGSSLMODE", "PGAPPNAME",
             "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_OUTPUT",
             "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
             "CLOUDSDK_CORE_PROJECT", "CLOUDSDK_COMPUTE_REGION", "CLOUDSDK_COMPUTE_ZONE",
             "KUBECONFIG", "REDISCLI_AUTH", "ETCDCTL_API", "ETCDCTL_ENDPOINTS", "SYSTEMD_COLORS",
             "SYSTEMD_PAGER_DISABLE"}
_DENY_PREFIX = ("LD_", "DYLD_", "BASH", "GIT_", "SSH_", "PYTHON", "PERL", "RUBY", "NODE_",
                "JAVA_", "KUBE", "AWS_", "CLOUDSDK_", "GCLOUD", "AZURE_", "PG", "PSQL", "MYSQL",
                "REDIS", "ETCD", "SYSTEMD_", "LESS", "XDG_", "CURL", "WGET", "HELM_", "DOCKER_",
                "SUDO_", "GNUPG", "GPG", "NPM_", "PIP_", "TMP", "TEMP", "LC_", "MANPAGER")
_DENY = {"PATH", "HOME", "IFS", "ENV", "SHELL", "SHELLOPTS", "PS1", "PS2", "PS3", "PS4",
         "PROMPT_COMMAND", "CDPATH", "GLOBIGNORE", "FUNCNEST", "EXECIGNORE", "HISTFILE",
         "PAGER", "EDITOR", "VISUAL", "BROWSER", "TERMINFO", "HOSTALIASES", "RESOLV_HOST_CONF",
         "OPENSSL_CONF", "SSL_CERT_FILE", "SSL_CERT_DIR", "PWD", "OLDPWD", "POSIXLY_CORRECT",
         "MAIL", "MAILPATH", "INPUTRC", "TMOUT", "SECONDS", "RANDOM", "LINENO", "OPTIND",
         "OPTARG", "GCONV_PATH", "NLSPATH", "LOCPATH", "MALLOC_CHECK_", "JQ_LIBRARY_PATH",
         "WATCH_INTERVAL", "TIME", "TIMEFORMAT", "COMP_WORDBREAKS", "AWK", "AWKPATH",
         "AWKLIBPATH", "POSIXLY", "EXINIT", "VIMINIT", "MANPATH", "NOTIFY_SOCKET"}


def safe_variable(name: str, exported: bool = False) -> bool:
    """Whether assigning ``name`` cannot change what later commands run or read as config.

    Exported names (``X=1 cmd``, ``export X``) reach every tool, so only a short allow-list
    passes; a plain shell variable only has to avoid the names bash itself or common tools use.
    """
    if name in _SAFE_ENV or name == "LC_ALL" or re.fullmatch(r"LC_[A-Z]+", name):
        return True
    # (``exported`` is kept for callers; an incident carries every variable a step sets into
    # the environment of its later steps, so a plain assignment is as good as an export and
    # both get the same rule.)
    if name in _DENY or name.startswith(_DENY_PREFIX) or name.upper() in _DENY:
        return False
    if name.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy"):
        return False
    up = name.upper()
    if any(part in up for part in ("PAGER", "EDITOR", "OPT", "PROXY", "ASKPASS", "PRELOAD",
                                   "LIBRARY", "PLUGIN", "HOOK", "SHELL", "EXEC", "CMD",
                                   "COMMAND")) or up.endswith(
            ("_CONFIG", "_CONF", "RC", "FILE", "PATH", "_HOME", "_DIR", "DIR", "_URL", "_HOST",
             "_ENDPOINT", "_BUNDLE", "_CERT", "_RSH")):
        return False
    return True
