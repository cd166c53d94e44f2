"""Errors reported to users as one clear line, without a traceback."""


class ProjectError(Exception):
    """Base class for problems the user can fix (config, missing data...)."""


class ConfigError(ProjectError):
    """The configuration file is missing or invalid."""


class DataError(ProjectError):
    """Input data is missing or fails its schema."""


class ModelError(ProjectError):
    """A trained model is missing or cannot be used."""
