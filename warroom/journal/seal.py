"""What makes a rewrite of the journal detectable: a witness kept outside the incident dir and
signed checkpoints.

The hash chain alone proves only that the lines agree with each other: anyone who can write the
incident dir can edit a line and recompute every hash after it, or cut the tail and append new
lines. Two records the writer keeps *outside* the incident dir close that gap:

* the **witness** (``<key dir>/witness/<hash of the journal's path>.json``): the last ``(seq, h)``
  this user's warroom wrote to that journal, rewritten after every append. A journal that ends
  before the witness's seq was cut; one whose line at that seq has another hash was rewritten.
  Every append checks it first (and ``journal.head``), so truncating and appending is refused
  instead of hiding the cut;
* **signed checkpoints** (``journal.sig`` in the incident dir, one JSON line each): an Ed25519
  signature by the user's key (``<key dir>/journal_ed25519``, 0600, created on first use) over
  ``(incident, seq, h)``, made every :data:`CHECKPOINT_EVERY` events and at every export and
  status update. Since ``h`` chains every line before it, a valid signature proves lines
  ``1..seq`` are exactly as written; lines after the last checkpoint are only as good as the
  chain and the witness, and ``verify`` says so.

The key dir is ``$WARROOM_KEY_DIR``, else ``$XDG_CONFIG_HOME/warroom/journal-keys`` (``~/.config``),
mode 0700. Resolved by hand, without platformdirs: the step supervisor runs with the standard
library only (``python -S``) and must keep the witness current too. Signing needs the
``cryptography`` package; where it cannot be imported (the supervisor) the witness is still
kept and checkpoints are made by the next process that can sign.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY_DIR_ENV = "WARROOM_KEY_DIR"
KEY_NAME = "journal_ed25519"
SIG_NAME = "journal.sig"
CHECKPOINT_EVERY = 20
_WITNESS_SIZE = 512
_DOMAIN = b"warroom-journal-checkpoint v1\n"


def default_actor() -> str:
    """``user@host``: who writes when no commander name is configured."""
    import socket       # here: most processes that import the journal never ask who the default actor is

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


def key_dir() -> Path:
    """Where the user's journal key and witnesses live: never inside an incident dir."""
    explicit = os.environ.get(KEY_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "warroom" / "journal-keys"


def _drop_if_empty(fd: int, path: Path) -> None:
    """A record we just created but could not fill (disk full) is removed, not left at 0 bytes."""
    try:
        if os.fstat(fd).st_size == 0:
            os.unlink(path)
    except OSError:
        return


def _private_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path, 0o700)
    except OSError:
        return False
    return True


# ---------------------------------------------------------------------------- witness


@dataclass(frozen=True)
class Mark:
    """A ``(seq, h)`` pair some record says the journal had."""

    seq: int
    h: str
    actor: str | None = None
    #: the line being written when this record was made (``(seq, h)``), before its fsync: a
    #: crash right after the write leaves the journal one line past ``seq`` with exactly this line
    next: tuple[int, str] | None = None


def unexplained_lines(mark: Mark, after: list[tuple[int, str, str]], actors: set[str]) -> tuple[int, str] | None:
    """The first line past the witness that this user's warroom did not write, as ``(seq, actor)``.

    ``after`` holds ``(seq, h, actor)`` of every line past ``mark.seq``, in order. Every append
    by this user moves the witness (under the journal's lock), announcing the line first
    (:attr:`Mark.next`), so past it there can only be the line announced (a crash between the
    write and the witness's update) and lines of *other* users' warroom (whose witness is kept
    in their own key dir). A line there in one of this user's actor names was put there by hand.
    """
    rest = after
    if rest and mark.next is not None and (rest[0][0], rest[0][1]) == mark.next:
        rest = rest[1:]
    for seq, _h, actor in rest:
        if actor in actors:
            return seq, actor
    return None


class Witness:
    """The last ``(seq, h)`` written to one journal, kept outside the incident dir.

    One fixed-size ``pwrite`` per append (no temp file, no fsync: it is written only after the
    journal line itself is fsynced, so after a crash it can lag behind the journal, never run
    ahead of it — lagging is harmless, ahead would be a false alarm).
    """

    def __init__(self, journal_path: Path) -> None:
        real = os.path.realpath(journal_path)
        self.journal_path = real
        digest = hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:24]
        self.path = key_dir() / "witness" / f"{digest}.json"
        # Created with the witness and never rewritten: a witness that is gone (or unreadable)
        # while this mark is there was deleted, not never written.
        self.seen_path = self.path.with_name(f".{digest}.seen")

    def was_written(self) -> bool:
        """True when this user's warroom kept a witness for this journal here at some point."""
        return self.seen_path.exists()

    def read(self) -> Mark | None:
        try:
            raw = self.path.read_bytes()
        except OSError:
            return None
        try:
            obj = json.loads(raw.rstrip(b" \n\0") or b"null")
            if not isinstance(obj, dict) or obj.get("path") != self.journal_path:
                return None
            nxt = obj.get("next")
            nxt_mark = (int(nxt[0]), str(nxt[1])) if isinstance(nxt, list) and len(nxt) == 2 else None
            actor = obj.get("actor")
            return Mark(int(obj["seq"]), str(obj["h"]), str(actor) if actor is not None else None, nxt_mark)
        except (ValueError, KeyError, TypeError):
            return None

    def write(self, seq: int, h: str, actor: str | None = None, next_line: tuple[int, str] | None = None) -> None:
        obj: dict[str, Any] = {"path": self.journal_path, "seq": seq, "h": h}
        if actor is not None:
            obj["actor"] = actor
        if next_line is not None:
            obj["next"] = list(next_line)
        record = json.dumps(obj).encode()
        if len(record) >= _WITNESS_SIZE:
            # A path too long for the slot: keep the record whole rather than cut it.
            record = record + b"\n"
        else:
            record = record.ljust(_WITNESS_SIZE - 1) + b"\n"
        if not self.path.parent.is_dir() and not _private_dir(self.path.parent):
            return
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            return  # the journal line is durable; a witness we cannot write is reported by verify
        try:
            new = os.fstat(fd).st_size == 0
            os.pwrite(fd, record, 0)
            if os.fstat(fd).st_size > len(record):
                os.ftruncate(fd, len(record))
            if new:  # only once the witness holds a record: a failed first write leaves neither
                self._mark_seen()
        except OSError:
            _drop_if_empty(fd, self.path)
            return
        finally:
            os.close(fd)

    def _mark_seen(self) -> None:
        """Create the mark (holding the journal's path, never empty: a failed write removes it)."""
        try:
            fd = os.open(self.seen_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        except OSError:
            return
        try:
            data = self.journal_path.encode("utf-8", "surrogateescape") + b"\n"
            if os.write(fd, data) != len(data):
                raise OSError(28, "No space left on device")
        except OSError:
            os.close(fd)
            self.seen_path.unlink(missing_ok=True)
            return
        os.close(fd)

    def clear(self) -> None:
        """A brand-new incident dir at a path used before: the old record is not about it."""
        for path in (self.path, self.seen_path):
            try:
                path.unlink()
            except OSError:
                continue


# ---------------------------------------------------------------------------- signing


def _fingerprint(pub_raw: bytes) -> str:
    """``SHA256:…`` of the raw public key, the way ssh-keygen prints fingerprints."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(pub_raw).digest()).decode().rstrip("=")


def signed_message(incident: str, seq: int, h: str) -> bytes:
    return _DOMAIN + f"{incident}\n{seq}\n{h}\n".encode()


class Signer:
    """The user's Ed25519 journal key (created 0600 in the key dir on first use)."""

    def __init__(self, private: Any, pub_raw: bytes) -> None:
        self._private = private
        self.pub_raw = pub_raw
        self.fingerprint = _fingerprint(pub_raw)

    @classmethod
    def load(cls) -> Signer | None:
        """This user's key, or None where signing is not possible (no ``cryptography``, or a key
        dir that cannot be written): checkpoints are then left to a process that can sign."""
        try:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        except ImportError:
            return None
        d = key_dir()
        path = d / KEY_NAME
        try:
            data = path.read_bytes()
            key = serialization.load_pem_private_key(data, password=None)
            if not isinstance(key, Ed25519PrivateKey):
                return None
        except FileNotFoundError:
            if not _private_dir(d):
                return None
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            tmp = path.with_name(f".{KEY_NAME}.{os.getpid()}.tmp")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(pem)
                    f.flush()
                    os.fsync(f.fileno())
                try:
                    os.link(tmp, path)  # never replace a key another process created meanwhile
                except FileExistsError:
                    pass
                tmp.unlink()
                key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            except OSError:
                tmp.unlink(missing_ok=True)
                return None
            if not isinstance(key, Ed25519PrivateKey):
                return None
        except (OSError, ValueError):
            return None
        pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return cls(key, pub)

    def checkpoint(self, incident: str, seq: int, h: str, ts: str) -> dict[str, Any]:
        sig = self._private.sign(signed_message(incident, seq, h))
        return {"incident": incident, "seq": seq, "h": h, "ts": ts, "key": self.fingerprint,
                "pub": base64.b64encode(self.pub_raw).decode(), "sig": base64.b64encode(sig).decode()}


_SIGNER: tuple[str, Signer | None] | None = None


def signer() -> Signer | None:
    """The process's signer for the current key dir (loaded once)."""
    global _SIGNER
    d = str(key_dir())
    if _SIGNER is None or _SIGNER[0] != d:
        _SIGNER = (d, Signer.load())
    return _SIGNER[1]


@dataclass(frozen=True)
class Checkpoint:
    """One line of ``journal.sig``, checked: ``valid`` means the signature matches its fields."""

    line: int
    incident: str
    seq: int
    h: str
    key: str
    ts: str
    valid: bool
    problem: str | None = None


def check_checkpoint(raw: bytes, lineno: int) -> Checkpoint:
    """Parse and check one checkpoint line's signature (not yet against the journal)."""
    try:
        obj = json.loads(raw)
        incident, seq, h = str(obj["incident"]), int(obj["seq"]), str(obj["h"])
        pub, sig = base64.b64decode(obj["pub"], validate=True), base64.b64decode(obj["sig"], validate=True)
        key, ts = str(obj["key"]), str(obj.get("ts", ""))
    except (ValueError, KeyError, TypeError):
        return Checkpoint(lineno, "", 0, "", "", "", False, "not a checkpoint record (edited or corrupted)")
    if _fingerprint(pub) != key:
        return Checkpoint(lineno, incident, seq, h, key, ts, False, "its key fingerprint does not match its key")
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return Checkpoint(lineno, incident, seq, h, key, ts, False, "cannot check signatures here"
                          " (the cryptography package is missing)")
    try:
        Ed25519PublicKey.from_public_bytes(pub).verify(sig, signed_message(incident, seq, h))
    except (InvalidSignature, ValueError):
        return Checkpoint(lineno, incident, seq, h, key, ts, False, "signature does not match (forged or edited)")
    return Checkpoint(lineno, incident, seq, h, key, ts, True)


def signed_by_me(incident_dir: Path) -> str | None:
    """The fingerprint of this user's key if it signed a valid checkpoint of this incident here.

    Such a checkpoint means this user's warroom wrote the journal at this path, so its witness
    must exist: a missing one was deleted (or the dir moved; ``repair`` records that and goes on).
    """
    if not (incident_dir / SIG_NAME).exists():
        return None
    mine = signer()
    if mine is None:
        return None
    for cp in read_checkpoints(incident_dir):
        if cp.valid and cp.key == mine.fingerprint and cp.incident == incident_dir.name:
            return mine.fingerprint
    return None


def read_checkpoints(incident_dir: Path) -> list[Checkpoint]:
    """Every checkpoint in ``journal.sig`` (a torn last line is skipped), signatures checked."""
    try:
        blob = (incident_dir / SIG_NAME).read_bytes()
    except OSError:
        return []
    lines = blob.split(b"\n")
    if lines and lines[-1] != b"":
        lines = lines[:-1]  # torn last line: a checkpoint being written when the power went
    return [check_checkpoint(raw, i) for i, raw in enumerate(lines, start=1) if raw.strip()]


def append_checkpoint(incident_dir: Path, record: dict[str, Any]) -> None:
    """Append one signed checkpoint line (fsynced): raises OSError when it cannot be written."""
    line = json.dumps(record, separators=(",", ":")).encode() + b"\n"
    fd = os.open(incident_dir / SIG_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        size = os.fstat(fd).st_size
        try:
            n = os.write(fd, line)
            if n != len(line):
                raise OSError(28, "No space left on device")
            os.fsync(fd)
        except OSError:
            os.ftruncate(fd, size)
            if size == 0:
                os.unlink(incident_dir / SIG_NAME)  # never leave an empty file behind
            raise
    finally:
        os.close(fd)
