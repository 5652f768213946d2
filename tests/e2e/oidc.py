"""A real OpenID Connect provider for the browser tests: oidc-provider-mock, served on a free loopback port in a thread
of the test process, started and stopped by the tests themselves. Its sign-in form offers each configured person as a
button; what it says about them (email, email_verified) is what the tests configure.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import authlib.deprecate  # sets its own "always" filter when imported: imported first, so the one below wins
import werkzeug.serving

with warnings.catch_warnings():  # the mock still imports Authlib's old JOSE module: its deprecation is not ours to act on
    warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
    import oidc_provider_mock

LOOPBACK = "127.0.0.1"
STOP_TIMEOUT_S = 10


@contextmanager
def identity_provider(people: dict[str, dict[str, object]]) -> Iterator[str]:
    """Serve a provider that knows `people` (email -> extra ID-token claims) and yield its address; stop it after."""
    users = [oidc_provider_mock.User(sub=email, claims={"email": email, **claims}) for email, claims in people.items()]
    server = werkzeug.serving.make_server(LOOPBACK, 0, oidc_provider_mock.app(user_claims=users), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="identity-provider",
                              daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(STOP_TIMEOUT_S)


def secrets_file(folder: Path, provider_url: str) -> Path:
    """A secrets.toml pointing st.login at the provider, the way README's set-up steps write it for a real one.

    The app's own address is left to Streamlit (`{port}`), since the test server picks a free port when it starts.
    """
    path = folder / "secrets.toml"
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "http://{LOOPBACK}:{{port}}/oauth2callback"\n'
        f'cookie_secret = "{"cookie-secret-for-the-browser-tests-" * 2}"\n'
        'client_id = "backbone"\n'
        'client_secret = "the-client-secret"\n'
        f'server_metadata_url = "{provider_url}/.well-known/openid-configuration"\n'
    )
    return path
