"""The ASGI application uvicorn's workers import: built from DUBAN_DB and the environment."""

from duban import config
from duban.web.app import create_app
from duban.web.settings import WebSettings

app = create_app(WebSettings.from_env(config.load().db_url))
