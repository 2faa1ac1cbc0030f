"""Runs independent Open Badges 3.0 verifiers over credentials, offline.

Two families, each in its own process so nothing of the platform's code (or its pyld patches) is
loaded next to them:

* JavaScript (`verify.mjs`): @digitalbazaar/vc + data-integrity + eddsa-rdfc-2022 and
  @digitalcredentials/verifier-core for Data Integrity, jose for VC-JWT. Installed with
  `npm ci --legacy-peer-deps --ignore-scripts` from the committed package-lock.json into
  `<cache>/node-<sha256 of package-lock.json>/`.
* Python: openbadgeslib (`OB3LdpVerifier`, `OB3Verifier`), run by this same file as a script
  (`python harness.py openbadgeslib < job.json`). It uses the interpreter running the tests when
  openbadgeslib is installed there (`pip install -e '.[interop]'`), otherwise a virtualenv the
  harness creates once in `<cache>/python-<sha256 of the pinned requirements>/`.

`<cache>` is `$XDG_CACHE_HOME/obplatform-interop` (default `~/.cache/obplatform-interop`); nothing
is written inside the repository. Installs are serialised with a file lock, so parallel test
workers and concurrent CI jobs share one install.

Items handed to the runners are dicts: `name`, `format` ("ldp" or "jwt"), `credential` (ldp) or
`jws` (jwt), optional `jwks` (list of public JWKs), and two options for third-party samples:
`issuer_binding` (default True: the key must belong to the credential's issuer) and
`bare_did_key_as_key` (resolve a verificationMethod that is a bare did:key to its only key, the
1EdTech validator's convention). Each runner returns one dict per verifier per item:
`{"name", "verifier", "verified", "errors", ...}`.

This module imports only the standard library at top level: the openbadgeslib runner executes it
in an interpreter that has neither Django nor the platform.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PACKAGE_JSON = HERE / "package.json"
PACKAGE_LOCK = HERE / "package-lock.json"
VERIFY_MJS = HERE / "verify.mjs"
MIN_NODE_MAJOR = 20

# openbadgeslib and everything it pulls in, pinned, for the harness's own virtualenv.
OPENBADGESLIB_REQUIREMENTS = (
    "openbadgeslib[ldp]==4.6.3",
    "PyLD==3.3.0",
    "PyJWT==2.15.1",
    "cryptography==50.0.2",
    "cffi==2.1.1",
    "pycparser==3.12",
    "cachetools==8.0.2",
    "frozendict==2.5.1",
    "lxml==6.1.3",
    "defusedxml==0.7.1",
    "pypng==0.20220715.0",
)


OB3_TYPES = {"OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"}


class InteropUnavailable(RuntimeError):
    """A verifier's toolchain (node, npm, a registry) is missing; the message says what to install."""


def interop_required() -> bool:
    """CI (env `CI` set) or INTEROP_REQUIRED=1: a missing toolchain is a failure, not a skip."""
    ci = os.environ.get("CI", "").strip().lower()
    return ci not in ("", "0", "false", "no") or os.environ.get("INTEROP_REQUIRED", "") == "1"


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "obplatform-interop"


def contexts_dir() -> Path:
    """The platform's bundle: the verifiers get exactly the contexts the platform signs with."""
    from verification.jsonld import CONTEXT_DIR

    return CONTEXT_DIR


def context_files() -> dict[str, str]:
    from verification.jsonld import CONTEXT_FILES

    return dict(CONTEXT_FILES)


def _sha256(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(command: list[str], *, cwd: Path | None = None, timeout: int = 900) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise InteropUnavailable(
            f"`{' '.join(command)}` failed with exit code {result.returncode}:\n"
            f"{(result.stdout + result.stderr)[-4000:]}"
        )


# ------------------------------------------------------------------------------------------------
# JavaScript verifiers


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise InteropUnavailable(
            f"Node.js (>= {MIN_NODE_MAJOR}) is not on PATH; the interop tests need it for the JavaScript "
            "verifiers (Debian: apt-get install nodejs npm)."
        )
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    match = re.match(r"v(\d+)\.", version)
    if not match or int(match.group(1)) < MIN_NODE_MAJOR:
        raise InteropUnavailable(
            f"Node.js {version or '(unknown version)'} is too old; {MIN_NODE_MAJOR} or newer is needed."
        )
    return node


def ensure_node_verifiers() -> Path:
    """The directory holding node_modules for package-lock.json, installed on first use."""
    _node()
    lock_bytes = PACKAGE_LOCK.read_bytes()
    target = cache_root() / f"node-{_sha256(lock_bytes)}"
    marker = target / ".installed"
    if marker.exists():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise InteropUnavailable(
            "npm is not on PATH; it installs the JavaScript verifiers (Debian: apt-get install npm)."
        )
    with _locked(target.with_name(target.name + ".lock")):
        if marker.exists():
            return target
        staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
        try:
            shutil.copyfile(PACKAGE_JSON, staging / "package.json")
            (staging / "package-lock.json").write_bytes(lock_bytes)
            _run([npm, "ci", "--legacy-peer-deps", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=staging)
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        marker.write_text("npm ci --legacy-peer-deps --ignore-scripts\n")
    return target


def _runner_script(install_dir: Path, path: Path = VERIFY_MJS) -> Path:
    """A script of this folder (verify.mjs by default) copied next to node_modules (ES modules resolve packages
    from the script's folder)."""
    source = path.read_bytes()
    script = install_dir / f"{path.stem}-{_sha256(source)[:16]}.mjs"
    if not script.exists():
        partial = script.with_name(f"{script.name}.{os.getpid()}.tmp")
        partial.write_bytes(source)
        partial.replace(script)
    return script


def _job(items: list[dict[str, Any]], did_documents: dict[str, Any]) -> str:
    return json.dumps(
        {
            "contexts_dir": str(contexts_dir()),
            "context_files": context_files(),
            "did_documents": did_documents,
            "items": items,
        }
    )


def _parse_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def run_node_verifiers(items: list[dict[str, Any]], did_documents: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item through the JavaScript verifiers, in one node process."""
    return run_node_script(VERIFY_MJS, _job(items, did_documents))


def run_node_script(path: Path, job: str) -> list[dict[str, Any]]:
    """Run a script of this folder with the installed packages, `job` on its stdin; its JSON lines."""
    install_dir = ensure_node_verifiers()
    script = _runner_script(install_dir, path)
    result = subprocess.run(
        [_node(), str(script)],
        input=job,
        cwd=install_dir,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{path.name} exited with {result.returncode}:\n{result.stderr[-4000:]}")
    return _parse_lines(result.stdout)


# ------------------------------------------------------------------------------------------------
# openbadgeslib


def _openbadgeslib_in(python: str) -> str | None:
    probe = subprocess.run(
        [python, "-I", "-c", "from importlib.metadata import version; import pyld; print(version('openbadgeslib'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.stdout.strip() if probe.returncode == 0 else None


def ensure_openbadgeslib() -> str:
    """A Python interpreter with openbadgeslib[ldp]: this one if it has it, else the harness's virtualenv."""
    if _openbadgeslib_in(sys.executable):
        return sys.executable
    spec = "\n".join(OPENBADGESLIB_REQUIREMENTS) + f"\npython {sys.version_info.major}.{sys.version_info.minor}\n"
    target = cache_root() / f"python-{_sha256(spec.encode())}"
    python = target / "bin" / "python"
    marker = target / ".installed"
    if marker.exists():
        return str(python)
    with _locked(target.with_name(target.name + ".lock")):
        if marker.exists():
            return str(python)
        if target.exists():
            shutil.rmtree(target)
        try:
            _run([sys.executable, "-m", "venv", str(target)])
            _run(
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    *OPENBADGESLIB_REQUIREMENTS,
                ]
            )
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        if not _openbadgeslib_in(str(python)):
            raise InteropUnavailable(f"openbadgeslib is not importable in {python} after installing it.")
        marker.write_text(spec)
    return str(python)


def run_openbadgeslib(items: list[dict[str, Any]], did_documents: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item through openbadgeslib, in one Python process that never imports the platform."""
    python = ensure_openbadgeslib()
    with tempfile.TemporaryDirectory(prefix="obplatform-interop-") as workdir:
        result = subprocess.run(
            [python, "-I", str(Path(__file__).resolve()), "openbadgeslib"],
            input=_job(items, did_documents),
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"the openbadgeslib runner exited with {result.returncode}:\n{result.stderr[-4000:]}")
    return _parse_lines(result.stdout)


# ------------------------------------------------------------------------------------------------
# The openbadgeslib runner (executed as a script, in the interpreter chosen above)


def _openbadgeslib_main() -> None:  # pragma: no cover - runs in a subprocess
    import socket
    from importlib.metadata import version

    network_attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        network_attempts.append(f"socket {args[1:2] or ''}")
        raise OSError("interop verifiers run offline: network access is refused")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    import jwt
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from openbadgeslib.ob3 import contexts as obl_contexts
    from openbadgeslib.ob3.did import resolve_verification_method
    from openbadgeslib.ob3.ldp import OB3LdpVerifier, verify_data_integrity_proof
    from openbadgeslib.ob3.verifier import OB3Verifier

    job = json.load(sys.stdin)
    bundle_dir = Path(job["contexts_dir"])
    contexts: dict[str, Any] = {}
    for url, name in job["context_files"].items():
        path = bundle_dir / name
        if path.exists():
            contexts[url] = json.loads(path.read_text(encoding="utf-8"))
    did_documents: dict[str, Any] = job["did_documents"]
    documents_by_url = {_did_web_url(did): doc for did, doc in did_documents.items()}
    obl_version = version("openbadgeslib")

    def download(url: str, *args: Any, **kwargs: Any) -> bytes:
        if url in documents_by_url:
            return json.dumps(documents_by_url[url]).encode("utf-8")
        network_attempts.append(url)
        raise OSError(f"interop verifiers run offline: refused to fetch {url}")

    def pem_from_jwk(jwk_member: dict[str, Any]) -> bytes:
        key = jwt.PyJWK(jwk_member).key
        public = key.public_key() if hasattr(key, "private_bytes") else key
        return public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)

    def context_differences(credential: dict[str, Any]) -> list[str]:
        """Contexts of the credential whose openbadgeslib-bundled copy differs from the platform's bundle."""
        differences = []
        for url in credential.get("@context", []):
            if not isinstance(url, str):
                continue
            try:
                theirs = obl_contexts.load_context(url)
            except Exception:
                differences.append(f"{url}: not bundled in openbadgeslib")
                continue
            if url in contexts and theirs != contexts[url]:
                differences.append(f"{url}: openbadgeslib's copy differs from the platform bundle")
        return differences

    def verify_ldp(item: dict[str, Any]) -> dict[str, Any]:
        credential = item["credential"]
        types = set(credential.get("type", []))
        proof = credential.get("proof")
        proof = proof[0] if isinstance(proof, list) and len(proof) == 1 else proof
        vm = proof.get("verificationMethod") if isinstance(proof, dict) else None
        if types & OB3_TYPES:
            notes = {"context_differences": context_differences(credential)}
            if item.get("issuer_binding", True):
                # Resolves the verificationMethod itself (did:key offline, did:web through
                # `download`) and requires it to belong to the issuer DID.
                OB3LdpVerifier().verify(credential, download=download)
                return {"api": "OB3LdpVerifier", **notes}
            pem = resolve_verification_method(vm, download=download)
            OB3LdpVerifier(pubkey_pem=pem).verify(credential)
            return {"api": "OB3LdpVerifier(pubkey_pem=key of the verificationMethod)", **notes}
        # Not an Open Badge (e.g. the W3C vectors): the schema-agnostic proof check, fed the
        # platform's bundle as extra contexts (they take precedence over openbadgeslib's own).
        if item.get("issuer_binding", True):
            issuer = credential.get("issuer")
            issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
            if not isinstance(vm, str) or vm.split("#")[0] != issuer_id:
                raise ValueError(f"verificationMethod {vm!r} does not belong to the issuer {issuer_id!r}")
        pem = resolve_verification_method(vm, download=download)
        verify_data_integrity_proof(credential, pem, extra_contexts=contexts)
        return {"api": "verify_data_integrity_proof"}

    def verify_jwt(item: dict[str, Any]) -> dict[str, Any]:
        token = item["jws"]
        header = jwt.get_unverified_header(token)
        kid = header.get("kid")
        if isinstance(header.get("jwk"), dict):
            OB3Verifier(pem_from_jwk(header["jwk"])).verify(token)
            return {"api": "OB3Verifier(key from header.jwk)", "alg": header.get("alg")}
        if item.get("jwks"):
            keys = item["jwks"]["keys"] if isinstance(item["jwks"], dict) else item["jwks"]
            matching = [key for key in keys if key.get("kid") == kid] if kid else keys[:1]
            if not matching:
                raise ValueError(f"no key with kid {kid!r} in the JWKS")
            OB3Verifier(pem_from_jwk(matching[0])).verify(token)
            return {"api": "OB3Verifier(key from JWKS)", "alg": header.get("alg")}
        if isinstance(kid, str) and kid.startswith("did:"):
            verifier = OB3Verifier.for_issuer_did(kid.split("#")[0], download=download)
            verifier.verify(token)
            return {"api": "OB3Verifier.for_issuer_did", "alg": header.get("alg")}
        raise ValueError("the JWS names no key: no jwk, no JWKS handed in, no DID kid")

    for item in job["items"]:
        network_attempts.clear()
        verify = verify_ldp if item["format"] == "ldp" else verify_jwt
        try:
            details = verify(item)
            record = {"verified": True, "errors": [], **details}
        except Exception as exc:
            record = {"verified": False, "errors": [f"{type(exc).__name__}: {exc}"]}
        record.update(
            name=item["name"], verifier="openbadgeslib", version=obl_version, network_attempts=list(network_attempts)
        )
        sys.stdout.write(json.dumps(record) + "\n")


def _did_web_url(did: str) -> str:
    from urllib.parse import unquote

    host, *path = [unquote(part) for part in did[len("did:web:") :].split(":")]
    return f"https://{host}/{'/'.join(path)}/did.json" if path else f"https://{host}/.well-known/did.json"


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] == ["openbadgeslib"]:
        _openbadgeslib_main()
    else:
        sys.exit(f"usage: {sys.argv[0]} openbadgeslib < job.json")
