"""The menu as typed data: the models behind config/flows.yaml, and loading it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from .yamlfile import load_model

NodeId = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Key = Annotated[str, Field(pattern=r"^[0-9*#]$")]
REFERENCE = "$reference"  # in an end node's prompts: the reference number, digit by digit


class StrictModel(BaseModel):
    """Config models: an unknown or misspelt field is an error, and loaded config never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(StrictModel):
    """One menu choice: a key, the prompt offering it, phrases, and where it leads."""

    key: Key
    say: str
    phrases: list[str] = Field(min_length=1)
    target: NodeId


class _Node(StrictModel):
    label: str | None = None
    prompts: list[str] = Field(min_length=1)
    # Who is speaking at this node ("a representative"); set where a person answers, so 0 there
    # says "you're already speaking with ..." and a caller silent at a person's desk is told goodbye.
    person: str | None = None


class MessageNode(_Node):
    """Speaks, then moves on without waiting."""

    kind: Literal["message"]
    next: NodeId


class MenuNode(_Node):
    """Speaks its options and waits for a key or phrase."""

    kind: Literal["menu"]
    options: list[Option] = Field(min_length=1)
    back: NodeId | None = None
    invalid_prompt: str | None = None
    on_failure: NodeId | None = None
    timeout: int | None = Field(default=None, ge=1, le=60)


class CollectNode(_Node):
    """Asks for digits or words; accepts any, stores none, then moves on."""

    kind: Literal["collect"]
    next: NodeId
    input: Literal["dtmf", "speech"] = "dtmf"
    digits: int | None = Field(default=None, ge=1, le=20)
    finish_on_key: Literal["#", "*"] = "#"
    timeout: int | None = Field(default=None, ge=1, le=60)
    # What counts as an answer besides "digits of the right length": at most so many digits,
    # or a month-day-year date (MMDDYY) that is real and not in the future.
    max_digits: int | None = Field(default=None, ge=1, le=20)
    check: Literal["past-date"] | None = None
    invalid_prompt: str | None = None


class HoldNode(_Node):
    """A simulated wait in the queue, then the next node."""

    kind: Literal["hold"]
    next: NodeId


class EndNode(_Node):
    """Speaks a closing (with a reference number) and hangs up."""

    kind: Literal["end"]


Node = Annotated[Union[MessageNode, MenuNode, CollectNode, HoldNode, EndNode], Field(discriminator="kind")]


class Footer(StrictModel):
    """The prompts a menu's footer is built from; each is said only where its key does that."""

    representative: str
    repeat: str
    back: str


class Defaults(StrictModel):
    """Keys, phrases and prompts that work the same on every menu."""

    representative: NodeId
    representative_key: Key
    representative_phrases: list[str] = Field(min_length=1)
    back_key: Key
    back_phrases: list[str] = Field(min_length=1)
    repeat_key: Key
    repeat_phrases: list[str] = Field(min_length=1)
    home: NodeId
    home_phrases: list[str] = Field(min_length=1)
    max_failures: int = Field(ge=1, le=10)
    on_failure: NodeId
    no_input_prompt: str
    invalid_prompt: str
    failure_prompt: str
    menu_footer: Footer
    apology_prompt: str = "apology"
    rejected_prompt: str = "not-verified"
    # The ear (ivr/ear): a card topic with no branch goes to a person after this; something out of
    # scope at the main menu is re-prompted with this, which names what can be said.
    no_branch_prompt: str = "no-branch"
    out_of_scope_prompt: str = "out-of-scope"
    gather_timeout: int = Field(ge=1, le=60)
    collect_timeout: int = Field(ge=1, le=60)
    # Every call ends: a caller who gives nothing even to a person, or whose call runs past
    # max_turns webhooks, hears a goodbye that says what to do next, and the line hangs up.
    give_up: NodeId
    time_limit: NodeId
    max_turns: int = Field(ge=10, le=200)
    max_handoffs: int = Field(ge=1, le=10)
    person_silence_limit: int = Field(ge=1, le=10)
    already_speaking_prompt: str
    # At an ending with a reference number: a key to hear it again, offered before the goodbye.
    reference_again_key: Key
    reference_again_prompt: str
    goodbye_prompt: str
    # Prompts spoken instead of others once a person has been on the call.
    after_person: dict[str, str] = Field(default_factory=dict)


class FlowFile(StrictModel):
    """The whole of config/flows.yaml."""

    start: NodeId
    defaults: Defaults
    nodes: dict[NodeId, Node] = Field(min_length=1)


def load_flow_file(path: Path) -> FlowFile:
    """Parse and type-check flows.yaml; graph checks live in ivr.flowcheck."""
    return load_model(path, FlowFile)
