"""The module ``solara run`` serves for ``simxh dashboard`` (settings from the environment).

``Page`` is a component: Solara renders it once per browser session, and each render builds
that session's own model (see :func:`simxh.dashboard.make_page`)."""

from simxh.dashboard import make_page, release_memory_on_close, settings_from_env

_settings = settings_from_env()
Page = make_page(_settings["config"], lang=_settings["lang"], overrides=_settings["overrides"],
                 seed=_settings["seed"])
release_memory_on_close()
