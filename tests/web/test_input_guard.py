"""NUL characters in a request are refused before any view or database sees them (PostgreSQL would 500)."""

from __future__ import annotations

from mapapp.web.input_guard import MESSAGE_PATH, MESSAGE_VALUE


def test_nul_in_a_route_value_is_a_404_with_the_reason(client):
    response = client.get("/api/communes/96%0001")
    assert response.status_code == 404 and response.get_json()["error"] == MESSAGE_PATH
    page = client.get("/site/test--site-1%00")
    assert page.status_code == 404 and "caractère nul" in page.get_data(as_text=True)
    assert client.get("/api/communes/96001").status_code == 200  # the same address without it still works


def test_nul_in_a_query_or_form_value_is_a_400(client):
    response = client.get("/api/sites?commune=96%0001")
    assert response.status_code == 400 and response.get_json()["error"] == MESSAGE_VALUE
    assert client.get("/api/sites?commune%00=96001").status_code == 400
    form = client.post("/connexion", data={"email": "a\x00@example.org", "password": "x", "csrf_token": "t"})
    assert form.status_code == 400 and "caractère nul" in form.get_data(as_text=True)
    body = client.post("/api/communes", data='{"q": "a\\u0000"}', content_type="application/json")
    assert body.status_code == 400
