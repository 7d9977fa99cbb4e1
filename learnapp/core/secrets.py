"""The secret key: from the environment, or generated once into the instance folder."""

import os
import secrets

from flask import Flask


def ensure_secret_key(app: Flask) -> None:
    """Set ``SECRET_KEY`` from config/env, else read or create ``instance/secret_key``.

    Several workers on one machine share the file; several machines must share
    ``SECRET_KEY`` through the environment instead.
    """
    if app.config.get("SECRET_KEY"):
        return
    path = os.path.join(app.instance_path, "secret_key")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    with open(path) as fh:
        app.config["SECRET_KEY"] = fh.read().strip()
