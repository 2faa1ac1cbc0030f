import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from badges.models import Credential, CredentialStatus
from issuer.models import KeyState, SigningKey
from tests.actors import owner


def _run(*args, stdin=None, monkeypatch=None):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _plain_png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_issue_then_verify_json(achievement, tmp_path, capsys):
    target = tmp_path / "c.json"
    _, err = _run(
        "issue_credential",
        "--issuer",
        "uni",
        "--achievement",
        "python-basics",
        "--email",
        "ada@example.com",
        "--name",
        "Ada",
        "--out",
        str(target),
    )
    credential = Credential.objects.get()
    assert credential.public_id in err
    assert json.loads(target.read_text())["id"] == credential.public_id
    out, _ = _run("verify_credential", str(target), "--json")
    report = json.loads(out)
    assert report["valid"] is True
    assert report["verdict"] == "valid"
    assert report["format"] == "ldp"
    assert set(report) == {"valid", "verdict", "format", "checks", "credential"}
    assert {c["id"] for c in report["checks"]} >= {"format", "schema", "proof", "valid_from", "status"}
    assert report["credential"]["issuer"]["id"] == "did:web:badges.example.test:issuers:uni"


def test_issue_jwt_then_verify(achievement, tmp_path):
    target = tmp_path / "c.jwt"
    _run(
        "issue_credential",
        "--issuer",
        "uni",
        "--achievement",
        str(achievement.pk),
        "--email",
        "a@example.com",
        "--format",
        "jwt",
        "--out",
        str(target),
    )
    assert target.read_text().strip().count(".") == 2
    out, _ = _run("verify_credential", str(target), "--json")
    assert json.loads(out)["format"] == "jwt"
    assert json.loads(out)["valid"] is True


def test_verify_invalid_exits_1(achievement, tmp_path):
    _run(
        "issue_credential",
        "--issuer",
        "uni",
        "--achievement",
        "python-basics",
        "--email",
        "a@example.com",
        "--out",
        str(tmp_path / "c.json"),
    )
    doc = json.loads((tmp_path / "c.json").read_text())
    doc["credentialSubject"]["achievement"]["name"] = "Quantum Physics"
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(SystemExit) as exit_:
        _run("verify_credential", str(tmp_path / "bad.json"))
    assert exit_.value.code == 1


@pytest.mark.parametrize(
    ("_case", "content"),
    [
        ("not json", b"hello world"),
        ("truncated jws", b"eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0"),
        ("deep json", b"[" * 10000 + b"]" * 10000),
        ("deep json object", b'{"a":' * 10000 + b"1" + b"}" * 10000),
        ("ten megabytes", b'{"@context": "' + b"x" * (10 * 1024 * 1024) + b'"}'),
        ("100,000 tags", json.dumps({"@context": [], "type": ["x"], "tag": ["t"] * 100_000}).encode()),
        ("png without a credential", _plain_png()),
        ("empty", b""),
    ],
)
def test_verify_unusable_input_exits_2(db, tmp_path, _case, content):
    path = tmp_path / "input"
    path.write_bytes(content)
    with pytest.raises(CommandError) as error:
        _run("verify_credential", str(path))
    assert error.value.returncode == 2
    assert "Traceback" not in str(error.value)


def test_unknown_context_is_invalid_and_named(achievement, tmp_path):
    _run(
        "issue_credential",
        "--issuer",
        "uni",
        "--achievement",
        "python-basics",
        "--email",
        "a@example.com",
        "--out",
        str(tmp_path / "c.json"),
    )
    doc = json.loads((tmp_path / "c.json").read_text())
    doc["@context"].append("https://evil.example/ctx")
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_credential", str(tmp_path / "bad.json"), "--json", stdout=out)
    assert exit_.value.code == 1
    report = json.loads(out.getvalue())
    assert any("https://evil.example/ctx" in c["message"] and c["status"] == "failed" for c in report["checks"])


def test_issue_bad_input_exits_2_and_writes_nothing(achievement):
    cases = [
        ["--issuer", "nobody", "--achievement", "python-basics", "--email", "a@example.com"],
        ["--issuer", "uni", "--achievement", "nothing", "--email", "a@example.com"],
        ["--issuer", "uni", "--achievement", "python-basics", "--email", "not-an-email"],
    ]
    for args in cases:
        with pytest.raises(CommandError) as error:
            _run("issue_credential", *args)
        assert error.value.returncode == 2
    assert Credential.objects.count() == 0


def test_achievement_of_another_issuer_is_not_found(achievement, other_issuer):
    with pytest.raises(CommandError, match="has no achievement"):
        _run("issue_credential", "--issuer", "other", "--achievement", "python-basics", "--email", "a@example.com")


def test_revoke_suspend_unsuspend(achievement, tmp_path):
    _run(
        "issue_credential",
        "--issuer",
        "uni",
        "--achievement",
        "python-basics",
        "--email",
        "a@example.com",
        "--out",
        str(tmp_path / "c.json"),
    )
    credential = Credential.objects.get()
    out, _ = _run("revoke_credential", str(credential.uuid), "--suspend", "--reason", "check")
    assert out.strip().endswith("suspended")
    out, _ = _run("revoke_credential", credential.public_id, "--unsuspend")
    assert out.strip().endswith("active")
    out, _ = _run("revoke_credential", str(credential.uuid), "--reason", "fraud")
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.REVOKED
    with pytest.raises(CommandError) as error:
        _run("revoke_credential", str(credential.uuid), "--reason", "again")
    assert error.value.returncode == 2
    with pytest.raises(CommandError):
        _run("revoke_credential", "not-a-uuid")


def test_rotate_key_keeps_old_credentials_valid(achievement, tmp_path):
    _run(
        "issue_credential",
        "--issuer",
        "uni",
        "--achievement",
        "python-basics",
        "--email",
        "a@example.com",
        "--out",
        str(tmp_path / "old.json"),
    )
    out, _ = _run("rotate_key", "--issuer", "uni")
    assert "did:web:badges.example.test:issuers:uni#key-" in out
    assert SigningKey.objects.filter(issuer__slug="uni", state=KeyState.RETIRED).count() == 1
    out, _ = _run("verify_credential", str(tmp_path / "old.json"), "--json")
    assert json.loads(out)["valid"] is True
    with pytest.raises(CommandError) as error:
        _run("rotate_key", "--issuer", "nobody")
    assert error.value.returncode == 2


def test_compromised_key_makes_its_credentials_fail(achievement, tmp_path):
    from issuer.services import signing_key_mark_compromised

    _run(
        "issue_credential",
        "--issuer",
        "uni",
        "--achievement",
        "python-basics",
        "--email",
        "a@example.com",
        "--out",
        str(tmp_path / "c.json"),
    )
    signing_key_mark_compromised(key=Credential.objects.get().signing_key, actor=owner(achievement.issuer))
    with pytest.raises(SystemExit) as exit_:
        _run("verify_credential", str(tmp_path / "c.json"))
    assert exit_.value.code == 1


def test_verify_our_own_url_reads_the_database(achievement, tmp_path):
    _run("issue_credential", "--issuer", "uni", "--achievement", "python-basics", "--email", "a@example.com")
    credential = Credential.objects.get()
    out, _ = _run("verify_credential", credential.public_id, "--json")  # no network: pytest-socket would refuse it
    assert json.loads(out)["valid"] is True


def test_verify_foreign_private_url_is_refused(db):
    with pytest.raises(CommandError) as error:
        _run("verify_credential", "https://10.0.0.1/credential.json")
    assert error.value.returncode == 2
    assert "not a public internet address" in str(error.value)
