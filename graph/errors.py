"""Errors a user can act on. The CLI prints them as one line and exits with status 2."""


class SophiaError(Exception):
    """Base class for failures caused by input or environment, not by a bug."""


class RolePackError(SophiaError):
    """A role pack file is missing or does not match the role pack schema."""


class CandidateFileError(SophiaError):
    """A test-candidate file is missing, is not YAML, or does not match the format."""


class UnknownThreadError(SophiaError):
    """No interview is saved under the given thread id."""


class ModelUnavailableError(SophiaError):
    """The configured model cannot be used (unknown provider, missing package or key)."""


class StorageUnavailableError(SophiaError):
    """The database the interviews are kept in cannot be opened (e.g. Postgres unreachable)."""
