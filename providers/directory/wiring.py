"""What the directory feature adds to lower layers' pages (home cards, landing lines, result panels),
registered from ProvidersConfig.ready()."""


def register() -> None:
    pass
