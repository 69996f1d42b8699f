"""Typed hook points: how a consequence crosses from the app where it starts to the app where it
lands, without the owner importing the listener.

The owner declares each hook in its `<app>/hooks.py` (one docstring each: when it is sent, what
the event carries, what a receiver may do). Listeners connect in their own `<app>/receivers.py`,
and `config/wiring.py` connects every receivers module in one place, so reading an owner's
`hooks.py` and `config/wiring.py` shows where every effect goes.

A hook is sent synchronously, inside the sender's transaction: a receiver's failure rolls the
cause back with it, which is what the record-keeping consequences need (a country change and the
retention it implies commit together).
"""

from collections.abc import Callable
from typing import Generic, TypeVar

EventT = TypeVar("EventT")
ResultT = TypeVar("ResultT")


class Hook(Generic[EventT, ResultT]):
    """One hook point. `send(event)` calls each receiver in connection order and returns their
    results (for hooks whose receivers contribute something, such as a hold condition)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._receivers: list[Callable[[EventT], ResultT]] = []

    def connect(self, receiver: Callable[[EventT], ResultT]) -> Callable[[EventT], ResultT]:
        """Connects `receiver` once (connecting it again is a no-op); usable as a decorator."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: Callable[[EventT], ResultT]) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    @property
    def receivers(self) -> tuple[Callable[[EventT], ResultT], ...]:
        return tuple(self._receivers)

    def send(self, event: EventT) -> list[ResultT]:
        return [receiver(event) for receiver in self._receivers]

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._receivers)} receiver(s)>"
