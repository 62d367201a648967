"""The REST API under malformed requests: 4xx in the one error shape, never a 500.

Also the two error-path bugs of #10 on the API side: a 500 (an unexpected
server error) carries the security headers like every other response, and a
chunked body over the limit without Content-Length is 413, not 400.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import yaml
from fuzz_helpers import CORPUS, ApiClient, sha256
from fuzz_strategies import DOCUMENTS, mutated_yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orechain.api.headers import SECURITY_HEADERS
from orechain.atlas.sources import data_dir
from orechain.server import create_app

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
HEADER_NAMES = [name.decode() for name, _ in SECURITY_HEADERS]


def assert_error(response: Any, status: int | None = None) -> dict[str, Any]:
    """A 4xx in the documented shape (``status``: exactly that one)."""
    assert response.status_code < 500, response.text
    if status is not None:
        assert response.status_code == status, response.text
    body = response.json()
    assert set(body["error"]) == {"status", "code", "message", "details"}
    assert "\n" not in body["error"]["message"]
    return body["error"]


def test_a_500_carries_the_security_headers(fuzz_app: Any):
    """Starlette answers unhandled errors outside the middleware: the headers must be there."""
    app = create_app(fuzz_app.state.services.settings)

    async def boom() -> None:
        msg = "a bug"
        raise RuntimeError(msg)

    app.add_api_route("/api/test-only/boom", boom)
    with ApiClient(app) as client:
        response = client.request("GET", "/api/test-only/boom")
        ok = client.request("GET", "/api/health")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "a bug" not in response.text  # no internals leak
    for name in HEADER_NAMES:
        assert response.headers.get(name) == ok.headers.get(name), name


def test_chunked_body_over_the_limit_is_413(api: ApiClient):
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"yaml": "'
        for _ in range(30):
            yield b"x" * 5000  # 150 kB in all, over the 100 kB limit, no Content-Length
        yield b'"}'

    response = api.request(
        "POST",
        "/api/scenarios/validate",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    error = assert_error(response, 413)
    assert error["code"] == "payload_too_large"
    for name in HEADER_NAMES:
        assert name in response.headers


TINY_TEXT = (CORPUS / "scenarios" / "tiny.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name",
    ["demand-nan", "demand-1e308", "capacity-inf", "triangular-reversed", "duplicate-key",
     "horizon-2150", "bad-syntax"],
)  # fmt: skip
def test_corpus_scenarios_are_invalid_over_the_api(api: ApiClient, name: str):
    text = (CORPUS / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8")
    response = api.request("POST", "/api/scenarios/validate", json={"yaml": text})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["valid"] is False
    assert "\n" not in body["error"]["message"]


@FUZZ
@given(data=mutated_yaml(TINY_TEXT))
def test_scenario_validate_fuzz(api: ApiClient, data: bytes):
    text = data.decode("utf-8", errors="replace")
    response = api.request("POST", "/api/scenarios/validate", json={"yaml": text})
    assert response.status_code in (200, 413, 422), response.text
    if response.status_code == 200 and not response.json()["valid"]:
        assert "\n" not in response.json()["error"]["message"]


PROJECT = yaml.safe_load(
    (data_dir() / "projects" / "pakistan-concentrate-export.yaml").read_text(encoding="utf-8")
)


@st.composite
def bad_projects(draw: st.DrawFn) -> dict[str, Any]:
    """The bundled project with one field set to a bad value (JSON can carry 1e308, not NaN)."""
    field = draw(st.sampled_from(["country", "start_year", "years", "discount_rate", "stages"]))
    value = draw(
        st.one_of(
            st.sampled_from(["XXX", 0, 99999, 1e308, -1e308, -5, "", [], {}, None]),
            DOCUMENTS.filter(lambda d: d == d),  # JSON has no NaN
        )
    )
    doc = {**PROJECT, field: value}
    doc.pop("sources", None)
    return doc


@settings(FUZZ, max_examples=15)
@given(project=bad_projects())
def test_economics_run_fuzz(api: ApiClient, project: dict[str, Any]):
    try:
        response = api.request("POST", "/api/economics/run", json={"project": project})
    except ValueError:  # httpx refuses to encode inf: nothing reached the server
        return
    if response.status_code != 200:
        assert_error(response)


@pytest.mark.parametrize("pct", [-5, 0, 1e308, 90.01])
def test_economics_sensitivity_pct_same_rule_as_cli(api: ApiClient, pct: float):
    response = api.request(
        "POST",
        "/api/economics/sensitivity",
        json={"name": "pakistan-concentrate-export", "pct": pct},
    )
    assert_error(response, 422)


@FUZZ
@given(body=DOCUMENTS)
def test_rejected_events_leave_the_ledger_unchanged(fuzz_app: Any, api: ApiClient, body: Any):
    """An operator posting malformed events: 4xx, and the ledger file is byte-identical."""
    from orechain.services.tokens import TokenStore

    ledger = fuzz_app.state.fuzz_ledger
    token = getattr(fuzz_app.state, "fuzz_token", None)
    if token is None:
        store = TokenStore(str(ledger))
        token = fuzz_app.state.fuzz_token = store.create("us-magnets", "operator", label="fuzz")[0]
        store.close()
    before = sha256(ledger)
    # json.dumps writes NaN/Infinity as JavaScript literals, which the server must refuse too.
    response = api.request(
        "POST",
        "/api/ledger/events",
        content=json.dumps(body),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert_error(response)
    assert response.status_code not in (401, 403), response.text
    assert sha256(ledger) == before


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("country", "XXX", "unknown country code 'XXX'"),
        ("start_year", 99999, "year 99999 is outside"),
        ("discount_rate", 1e308, "out of range"),
    ],
)
def test_inline_project_bounds_match_the_cli(api: ApiClient, field: str, value: Any, reason: str):
    """The API validates an inline project with the same layer as ``econ run``."""
    doc = {**PROJECT, field: value}
    response = api.request("POST", "/api/economics/run", json={"project": doc})
    error = assert_error(response, 400)
    assert reason in error["message"]
    assert error["details"]["field"] == field


def test_5000_digit_number_in_a_scenario_request(api: ApiClient):
    text = TINY_TEXT.replace("tonnes: 30", "tonnes: " + "9" * 5000)
    response = api.request("POST", "/api/scenarios/validate", json={"yaml": text})
    assert response.status_code == 200, response.text
    assert "4,300 digits" in response.json()["error"]["message"]
