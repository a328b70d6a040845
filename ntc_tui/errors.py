"""Errors that end a command, each with its exit code (SPEC §2) and one sentence for the user."""


class NtcError(Exception):
    """A failure the user can act on; its message says what is wrong and what to do."""

    exit_code = 1


class UsageError(NtcError):
    """Bad arguments or input given on the command line."""

    exit_code = 2


class CapturePermissionError(NtcError):
    """This user may not capture on the interface."""

    exit_code = 3


class StoreUnusableError(NtcError):
    """The data directory is corrupt or locked by another writer."""

    exit_code = 4
