"""The module ``solara run`` serves for ``simxh dashboard`` (settings from the environment)."""

from simxh.dashboard import make_page, settings_from_env

_settings = settings_from_env()
page = make_page(_settings["config"], lang=_settings["lang"], overrides=_settings["overrides"],
                 seed=_settings["seed"])
