"""Every kind of credential Kapstone signs holds up outside Kapstone (issue 16, items
2–4): JSON-LD safe mode, a second JSON-LD processor (pyoxigraph) reading the same
canonical N-Quads from the JSON-LD document, and 1EdTech's OB 3.0 schema; issuing
refuses a credential that fails any of them.
"""

import hashlib
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.management import call_command

from accounts.models import User
from audit.models import AuditEvent
from certificates import badge, keys, services
from certificates.credentials import (
    conformance,
    jsonld,
    limits,
    schema,
    second_processor,
    verifier,
)
from certificates.models import Certificate, LostSerial, SerialCounter
from courses.models import Enrolment
from credential_helpers import canonical_nquads_of, pyld_only_nquads  # tests/certificates/

pytestmark = pytest.mark.django_db
INTEROP = Path(__file__).resolve().parents[1] / "data" / "interop"


def _unsecured(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "proof"}


def signed_kinds(world, enrolment) -> dict[str, dict]:
    """Each kind of document Kapstone signs, made through the services: a fresh
    credential, the status list before and after its revocation, the revoked credential
    and the one re-issued after it."""
    fresh, _ = services.certificate_issue(actor=world.admin, enrolment=enrolment)
    kinds = {"fresh": fresh.credential,
             "status list": services.status_list_current(fresh.status_list_id)}
    services.certificate_revoke(actor=world.admin, certificate=fresh, reason="Issued in error.")
    fresh.refresh_from_db()
    reissued, _ = services.certificate_issue(actor=world.admin, enrolment=enrolment)
    kinds.update({
        "revoked": fresh.credential,
        "status list with a revocation": services.status_list_current(fresh.status_list_id),
        "re-issued": reissued.credential,
    })
    return kinds


@pytest.fixture
def kinds(complete):
    return signed_kinds(complete, complete.enrolment_a)


@pytest.fixture
def demo_kinds(db):
    """The same kinds from the demo (`make demo`): its program, texts and people."""
    call_command("load_demo", stdout=io.StringIO())
    enrolment = Enrolment.objects.get(trainee__email="trainee.nakamura@kapstone.test")
    demo = SimpleNamespace(admin=User.objects.get(email="admin@kapstone.test"))
    return signed_kinds(demo, enrolment)


def _site_key(method):
    key = keys.load_signing_key()
    assert method == key.verification_method
    return key.public_key


def test_every_kind_passes_safe_mode_the_second_processor_and_the_schema(kinds):
    assert list(kinds) == ["fresh", "status list", "revoked", "status list with a revocation",
                           "re-issued"]
    for kind, document in kinds.items():
        assert conformance.credential_problems(document, resolve_key=_site_key) == [], kind
        ours = jsonld.canonicalize(_unsecured(document))
        assert second_processor.canonical_nquads(_unsecured(document)) == ours, kind
        if kind.startswith("status list"):
            assert not schema.is_open_badge(document)
        else:
            assert schema.is_open_badge(document) and schema.ob3_violations(document) == [], kind
            assert isinstance(document["proof"], list) and len(document["proof"]) == 1


def test_the_demo_credentials_pass_every_check_and_verify(demo_kinds):
    for kind, document in demo_kinds.items():
        assert conformance.credential_problems(document, resolve_key=_site_key) == [], kind
        assert jsonld.undefined_terms(_unsecured(document)) == [], kind
    report = verifier.verify_credential(
        demo_kinds["re-issued"], resolve_verification_method=_site_key,
        fetch_status_list=lambda url: demo_kinds["status list with a revocation"])
    assert report.outcome == verifier.VERIFIED, report.checks
    report = verifier.verify_credential(
        demo_kinds["revoked"], resolve_verification_method=_site_key,
        fetch_status_list=lambda url: demo_kinds["status list with a revocation"])
    assert report.outcome == verifier.REVOKED, report.checks


def test_kapstone_credentials_are_well_within_every_budget(kinds):
    for kind, document in kinds.items():
        dataset = jsonld.to_dataset(_unsecured(document))
        canonicalizer = limits.BudgetedURDNA2015()
        canonicalizer.main(dataset, {})
        statements = sum(len(triples) for triples in dataset.values())
        assert statements <= limits.LIMITS.max_statements // 10, kind
        assert canonicalizer.n_degree_calls <= limits.LIMITS.max_n_degree_calls // 10, kind
        assert canonicalizer.permutations <= limits.LIMITS.max_permutations // 10, kind
        assert len(json.dumps(document)) <= limits.LIMITS.max_chars // 10, kind


def test_the_credential_shape_before_issue_16_is_read_differently_by_the_second_processor(kinds):
    """Without the extensions context PyLD signed one statement more than anyone reads:
    the credentialSchema type as <http://example.org/base/1EdTechJsonSchemaValidator2019>."""
    old = _unsecured(kinds["fresh"])
    old["@context"] = [c for c in old["@context"] if c != badge.OB3_EXTENSIONS_CONTEXT]
    signed_then = pyld_only_nquads(old)
    read_by_others = second_processor.canonical_nquads(old)
    assert len(signed_then.splitlines()) == len(read_by_others.splitlines()) + 1
    assert set(signed_then.splitlines()) - set(read_by_others.splitlines()) == {
        f"<{badge.OB3_SCHEMA}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<http://example.org/base/1EdTechJsonSchemaValidator2019> ."}
    assert second_processor.disagreement(old, signed_then) is not None
    # Today's shape: the same statements either way, the type a real IRI.
    today = _unsecured(kinds["fresh"])
    assert pyld_only_nquads(today) == jsonld.canonicalize(today)
    assert jsonld.canonicalize(today) == second_processor.canonical_nquads(today)
    assert len(jsonld.canonicalize(today).splitlines()) == len(signed_then.splitlines())


def _interop_documents():
    for path in sorted(INTEROP.rglob("*.json")):
        if path.parent.name in ("jsonld", "alternates", "ob3-schema") or "case" in path.parts:
            continue
        document = json.loads(path.read_text())
        if isinstance(document, dict) and "@context" in document:
            yield pytest.param(document, id=str(path.relative_to(INTEROP)))


# pyoxigraph 0.5.13 labels two blank graph names of the complete OB 3.0 example (its
# endorsements' proof graphs, the one fixture that needs N-degree hashing) the other
# way round from PyLD. PyLD's labelling is the one 1EdTech's signer produced: that
# fixture's signature verifies (test_signing.py). The graphs themselves are the same.
LABELS_DIFFER = {"complete-openbadgecredential.json",
                 "1edtech-validator-complete-eddsa-rdfc-2022.json"}


@pytest.mark.parametrize("document", list(_interop_documents()))
def test_the_second_processor_agrees_on_every_published_fixture(document, request):
    unsecured = _unsecured(document)
    ours = jsonld.canonicalize(unsecured)
    theirs = second_processor.canonical_nquads(unsecured)
    if Path(request.node.callspec.id).name in LABELS_DIFFER:
        assert theirs != ours
        assert canonical_nquads_of(ours) == theirs  # same graph
    else:
        assert theirs == ours


def test_the_second_processor_agrees_on_the_w3c_vector_files():
    folder = INTEROP / "vc-di-eddsa-vectors"
    eddsa = folder / "eddsa-rdfc-2022"
    unsigned = json.loads((folder / "unsigned.json").read_text())
    canonical = (eddsa / "canonDocDataInt.txt").read_text()
    assert second_processor.canonical_nquads(unsigned) == canonical
    config = json.loads((eddsa / "proofConfigDataInt.json").read_text())
    canonical = (eddsa / "proofCanonDataInt.txt").read_text()
    assert second_processor.canonical_nquads(config) == canonical


def test_issuing_refuses_a_credential_that_breaks_the_schema_and_records_its_serial_lost(
    complete, monkeypatch
):
    made = badge.unsigned_credential

    def without_valid_from(certificate):
        credential = made(certificate)
        del credential["validFrom"]  # OB 3.0 requires it; VC 2.0 does not
        return credential

    monkeypatch.setattr(badge, "unsigned_credential", without_valid_from)
    with pytest.raises(services.CredentialNotConformant) as refused:
        services.certificate_issue(actor=complete.admin, enrolment=complete.enrolment_a)
    assert "validFrom" in refused.value.messages[0] and "schema" in refused.value.messages[0]
    assert not Certificate.objects.exists()
    assert len(mail.outbox) == 0
    # The serial taken for it is recorded as lost, with why, and never handed out again.
    lost = LostSerial.objects.get()
    assert lost.enrolment == complete.enrolment_a and "validFrom" in lost.reason
    assert AuditEvent.objects.filter(verb="certificate.serial_lost",
                                     details__serial=lost.serial).exists()
    monkeypatch.setattr(badge, "unsigned_credential", made)
    certificate, created = services.certificate_issue(actor=complete.admin,
                                                      enrolment=complete.enrolment_a)
    assert created and certificate.serial != lost.serial
    assert SerialCounter.objects.get().last == 2


def test_issuing_refuses_a_credential_with_an_undefined_type_and_saves_nothing(
    complete, monkeypatch
):
    made = badge.unsigned_credential

    def main_shape(certificate):
        credential = made(certificate)
        credential["@context"].remove(badge.OB3_EXTENSIONS_CONTEXT)
        return credential

    monkeypatch.setattr(badge, "unsigned_credential", main_shape)
    with pytest.raises(services.CredentialNotConformant, match="1EdTechJsonSchemaValidator2019"):
        services.certificate_issue(actor=complete.admin, enrolment=complete.enrolment_a)
    assert not Certificate.objects.exists()


def test_issuing_refuses_a_credential_a_second_processor_reads_differently(complete, monkeypatch):
    monkeypatch.setattr(second_processor, "canonical_nquads",
                        lambda document: "<urn:x> <urn:y> <urn:z> .\n")
    with pytest.raises(services.CredentialNotConformant, match="pyoxigraph"):
        services.certificate_issue(actor=complete.admin, enrolment=complete.enrolment_a)
    assert not Certificate.objects.exists()


def test_the_bundled_schema_is_the_published_file():
    bundled = schema.SCHEMA_PATH.read_bytes()
    assert bundled == (INTEROP / "ob3-schema" / "achievementcredential.json").read_bytes()
    digest = hashlib.sha256(bundled).hexdigest()
    assert digest in (schema.SCHEMA_PATH.parent / "SOURCES.md").read_text()


@pytest.mark.parametrize("change, violation", [
    (lambda d: d.update(proof=d["proof"][0]), "proof"),
    (lambda d: d.pop("validFrom"), "validFrom"),
    (lambda d: d.update(validFrom="1 January 2026"), "validFrom"),
    (lambda d: d.update({"@context": d["@context"][:1]}), "@context"),
    (lambda d: d["credentialSubject"]["achievement"].pop("criteria"), "criteria"),
])
def test_the_schema_check_catches_what_1edtech_requires(kinds, change, violation):
    document = json.loads(json.dumps(kinds["fresh"]))
    assert schema.ob3_violations(document) == []
    change(document)
    assert any(violation in problem for problem in schema.ob3_violations(document))
