"""What every use case runs with: the ports and the policy, plugged in by the entrypoint."""

from dataclasses import dataclass, field

from application.background import BackgroundTasks
from application.policy import ChatPolicy
from application.ports.assistant import Assistant
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class UseCaseContext:
    new_unit_of_work: UnitOfWorkFactory
    clock: Clock
    assistant: Assistant
    policy: ChatPolicy
    background: BackgroundTasks = field(default_factory=BackgroundTasks)
