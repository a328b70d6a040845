"""What the import and history screens' controllers share: a form screen and one job at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from ntc_tui.session import Session
from ntc_tui.ui.jobs import Job
from ntc_tui.ui.screens.forms import FormScreen

Notify = Callable[[str], None]
Screen = TypeVar("Screen", bound=FormScreen)
Progress = TypeVar("Progress")
Result = TypeVar("Result")


class FormController(Generic[Screen, Progress, Result]):
    """A form screen over the session, with at most one background job."""

    def __init__(
        self, session: Session, wake: Callable[[], None], notify: Notify, screen: Screen
    ) -> None:
        self.session = session
        self._wake = wake
        self._notify = notify
        self.screen = screen
        self.job: Job[Progress, Result] | None = None

    @property
    def widget(self) -> Screen:
        """The screen, as the frame's body."""
        return self.screen

    @property
    def editing(self) -> bool:
        """Whether keys type into a field of the form."""
        return self.screen.editing

    def next_field(self) -> None:
        """Tab: the next field of the form (after the last, the results)."""
        self.screen.form.next_field()

    def delete_before_cursor(self, word: bool) -> None:
        """Ctrl-U / Ctrl-W in the text field being typed in (elsewhere: nothing)."""
        self.screen.form.delete_before_cursor(word)

    def holds_store(self) -> bool:
        """Whether the job runs (it may use the session's store)."""
        return self.job is not None and self.job.running

    def shutdown(self, timeout: float) -> None:
        """Stop the running job and wait for its worker (the session stops next)."""
        if self.job is not None and self.job.running:
            self.job.cancel()
            self.job.join(timeout)
