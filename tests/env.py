"""Web settings every test application starts with (they pass :func:`mapapp.config.web_settings_problems`)."""

#: A session key of the required strength, for tests only.
SECRET_KEY = "3f9c2a7e51d84b06a1e5c7d9b2f4086e5a1c3b7d9e0f2468ace13579bdf02468"
#: The test client's default host: links in e-mails start with it.
BASE_URL = "http://localhost"
WEB_ENV = {"MAPAPP_SECRET_KEY": SECRET_KEY, "MAPAPP_BASE_URL": BASE_URL}
