"""gru-lint: catch Keras recurrent-layer ``initial_state`` bugs before the code runs."""

__version__ = "0.1.0"

__all__ = ["__version__", "check_source", "fix_source"]


def __getattr__(name):  # lazy: importing the package must stay cheap
    if name in ("check_source", "fix_source"):
        from gru_lint import core

        return getattr(core, name)
    raise AttributeError(name)
