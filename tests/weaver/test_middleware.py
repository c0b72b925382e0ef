import pytest

pytestmark = pytest.mark.django_db


def claimed_upload(client, path, megabytes):
    # The body is tiny; only its announced length is large: the guard must not read it.
    return client.generic(
        "POST",
        path,
        b"x",
        content_type="multipart/form-data; boundary=b",
        CONTENT_LENGTH=str(megabytes << 20),
    )


def test_a_body_far_over_the_upload_limit_is_refused_before_it_is_read(client, alice, network, settings):
    settings.WEAVER_MAX_UPLOAD_MB = 20
    client.force_login(alice)
    response = claimed_upload(client, f"/networks/{network.slug}/import/", 4096)
    assert response.status_code == 413
    assert "4096.0 MB" in response.content.decode() and "up to 20 MB" in response.content.decode()


def test_the_api_says_so_in_its_error_shape(client, alice, network):
    client.force_login(alice)
    response = claimed_upload(client, f"/api/v1/networks/{network.slug}/members/", 100)
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "request_too_large"


def test_a_body_within_the_limit_reaches_the_view(client, alice, network):
    client.force_login(alice)
    response = client.get(f"/networks/{network.slug}/import/")
    assert response.status_code == 200
