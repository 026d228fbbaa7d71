"""POST /credentials/verify, fuzzed: whatever JSON (or not JSON) arrives, the answer is a
4xx or 200 JSON object with lists of strings, never a server error, and no row changes.
The form fuzz (test_fuzz_forms.py) cannot reach it: it takes JSON, not a form."""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from db_snapshot import db_fingerprint  # tests/

pytestmark = pytest.mark.django_db

API = "/credentials/verify"
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=20)
_CREDENTIALISH = st.fixed_dictionaries({
    "@context": st.sampled_from([["https://www.w3.org/ns/credentials/v2"],
                                 ["https://www.w3.org/2018/credentials/v1"], "x", [1]]),
    "type": st.sampled_from([["VerifiableCredential"], "VerifiableCredential", 3]),
    "issuer": st.sampled_from(["did:key:z6Mk", {"id": "did:web:testserver"}, None, ""]),
}, optional={"credentialSubject": _JSON, "proof": _JSON, "credentialStatus": _JSON,
             "validFrom": _SCALARS, "issuanceDate": _SCALARS})
_BODIES = (
    st.binary(max_size=200)
    | _JSON.map(json.dumps)
    | st.fixed_dictionaries({"verifiableCredential": _JSON | _CREDENTIALISH},
                            optional={"options": _JSON}).map(json.dumps)
)


def test_any_body_gets_a_4xx_or_200_json_answer_and_changes_nothing(db, settings):
    settings.CREDENTIAL_VERIFY_RATE_LIMIT = "100000/m"
    cache.clear()
    client = Client()
    before = db_fingerprint()
    seen = []

    @hsettings(max_examples=20, deadline=None, derandomize=True, database=None,
               phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(body=_BODIES)
    def run(body):
        response = client.post(API, data=body, content_type="application/json")
        seen.append(response.status_code)
        assert response.status_code in (200, 400, 413, 422), (response.status_code, body[:200])
        answer = response.json()
        assert all(isinstance(answer[k], list) for k in ("checks", "warnings", "errors"))
        assert all(isinstance(e, str) for e in answer["errors"])

    run()
    assert db_fingerprint() == before
    assert {400, 422} <= set(seen)
