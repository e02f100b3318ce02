"""The web console: one more thin entry point over the services (FastAPI, server-rendered Jinja2)."""
