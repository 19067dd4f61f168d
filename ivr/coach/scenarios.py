"""Rehearsal scenarios (config/scenarios.yaml; words in prompts/coach/): typed, checked, loaded once."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from ..line.practice_line import PracticeLine
from ..line.errors import ConfigError
from ..line.flows import MenuNode, NodeId, StrictModel
from ..line.yamlfile import load_model
from .details import facts_for_ear, for_eye
from .personas import Persona, PersonasFile, load_personas

Id = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]
PromptId = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
# The coach's items, in the order a report lists them.
RUBRIC_ITEMS = ("stated-purpose", "gave-details", "stated-outcome", "stayed-polite", "asked-name",
                "asked-reference", "asked-next-steps", "confirmed", "escalated-well", "held-the-line",
                "escalated-calmly")
# Items that only a persona with a trait brings (config/personas.yaml): rushed, by the book.
PERSONA_ITEMS = {"held-the-line": "wraps_up_early", "escalated-calmly": "pushbacks"}
# Scenario fields that name a prompt.
WORDS = ("situation", "goal", "ask_details", "can", "cannot", "supervisor", "formal", "next_steps")


class Facts(StrictModel):
    """A scenario's invented facts, written once: the prompts say them for the ear, the pages for the eye."""

    amount: Decimal | None = Field(default=None, gt=0, lt=1_000_000, decimal_places=2)
    date: dt.date | None = None
    merchant: str | None = Field(default=None, min_length=1, max_length=60)
    card: str | None = Field(default=None, pattern=r"^[0-9]{4}$")  # the card's last four digits (invented)
    reference: str | None = Field(default=None, pattern=r"^[0-9]{6,10}$")  # a reference from an earlier call
    points: int | None = Field(default=None, gt=0, lt=10_000_000)  # rewards points


class Scenario(StrictModel):
    """One rehearsal: the caller's situation and goal, and what each person at the desk can do."""

    reason: Id
    title: str = Field(min_length=1, max_length=80)
    situation: PromptId
    goal: PromptId
    ask_details: PromptId
    can: PromptId
    cannot: PromptId
    supervisor: PromptId
    supervisor_resolves: bool
    formal: PromptId
    next_steps: PromptId
    # What happens next once the supervisor has made the offer, where the offer changes it ("express: two days").
    next_steps_offered: PromptId | None = None
    facts: Facts = Facts()
    # The details the representative takes down from what the caller says, reads back and asks for if missing.
    capture: list[Literal["amount", "date", "merchant"]] = []
    # What the representative refused, in a few words each: a "so to confirm" that claims one is corrected.
    refused: list[Annotated[str, Field(min_length=3, max_length=60)]] = []


class RubricWords(StrictModel):
    """What the coach says about one item: `well` when met, `tip` when not."""

    well: PromptId
    tip: PromptId


# The two desks, by the names of Desks' fields (ivr.coach.dialogue and the voice line use these).
REP, SUP = "representative", "supervisor"


class Desks(StrictModel):
    """The flow's menu nodes that the conversation speaks for."""

    representative: NodeId
    supervisor: NodeId


class ScenariosFile(StrictModel):
    """The whole of config/scenarios.yaml."""

    desks: Desks
    default_scenario: Id
    rubric: dict[Id, RubricWords]
    scenarios: dict[Id, Scenario] = Field(min_length=1)


@dataclass(frozen=True)
class ScenarioCard:
    """A scenario as a page shows it: its id, title, reason, and its situation and goal written for the eye
    ("$84.20", "ending in 4417"); `spoken_situation` is the same situation as the line says it."""

    id: str
    title: str
    reason: str
    situation: str
    goal: str
    spoken_situation: str


@dataclass(frozen=True)
class ScenarioBook:
    """scenarios.yaml, checked against the flow, the reasons and the prompts; read by every request."""

    file: ScenariosFile
    line: PracticeLine
    by_node: dict[str, str]  # flow node id -> the scenario of the branch it belongs to
    path: Path
    personas: PersonasFile  # config/personas.yaml: every scenario is played against each of them
    # desk_ahead's answer for each node asked about: every webhook asks.
    _ahead: dict[str, tuple[str, tuple[str, ...]] | None] = dataclass_field(default_factory=dict, compare=False,
                                                                           repr=False)

    @property
    def scenarios(self) -> dict[str, Scenario]:
        """Scenario id -> Scenario, in file order."""
        return self.file.scenarios

    @property
    def desks(self) -> Desks:
        """The representative's and the supervisor's desk nodes in the flow."""
        return self.file.desks

    def desk_ahead(self, node_id: str) -> tuple[str, tuple[str, ...]] | None:
        """("representative" or "supervisor", the nodes spoken before it) when the reply that starts at
        `node_id` runs on into that desk (after a hold, say), else None."""
        if node_id in self._ahead:
            return self._ahead[node_id]
        run = self.line.run_from(node_id)
        found = None
        for desk in (REP, SUP):
            desk_node = getattr(self.desks, desk)
            if desk_node in run:
                found = desk, run[:run.index(desk_node)]
                break
        self._ahead[node_id] = found
        return found

    def persona(self, persona_id: str | None) -> Persona:
        """The persona with this id; the default one for None or "" (KeyError for an unknown id)."""
        return self.personas.personas[persona_id or self.personas.default_persona]

    def persona_id(self, persona_id: str | None) -> str:
        """The persona id a rehearsal plays: `persona_id`, or the default one."""
        return persona_id or self.personas.default_persona

    def __contains__(self, scenario_id: object) -> bool:
        return scenario_id in self.file.scenarios

    def get(self, scenario_id: str) -> Scenario:
        """The scenario with this id (KeyError if there is none)."""
        return self.file.scenarios[scenario_id]

    def tip(self, item_id: str, persona_id: str | None) -> str:
        """The tip's prompt for a rubric item against a persona: the persona's own advice, else the rubric's."""
        return self.persona(persona_id).tips.get(item_id) or self.file.rubric[item_id].tip

    def text(self, prompt_id: str) -> str:
        """The final words of a prompt (placeholders filled from contacts.yaml)."""
        return self.line.text(prompt_id)

    def words(self, scenario_id: str, field: str) -> str:
        """The words of one of a scenario's prompts: words("unknown-charge", "situation")."""
        return self.text(getattr(self.get(scenario_id), field))

    def card(self, scenario_id: str) -> ScenarioCard:
        """What a page shows for one scenario."""
        scenario = self.get(scenario_id)
        spoken = self.text(scenario.situation)
        return ScenarioCard(scenario_id, scenario.title, scenario.reason, for_eye(spoken, scenario.facts),
                            for_eye(self.text(scenario.goal), scenario.facts), spoken)

    def cards(self) -> list[ScenarioCard]:
        """Every scenario as a page shows it, in file order."""
        return [self.card(scenario_id) for scenario_id in self.file.scenarios]

    def for_reason(self, reason_id: str) -> str | None:
        """The first scenario that rehearses a reason for calling, if any."""
        return next((sid for sid, s in self.file.scenarios.items() if s.reason == reason_id), None)

    def for_node(self, node_id: str) -> str | None:
        """The scenario for a caller who reached a person from `node_id` (the branch they were in)."""
        return self.by_node.get(node_id)


def load_scenarios(path: Path, line: PracticeLine, reason_nodes: dict[str, str]) -> ScenarioBook:
    """Load scenarios.yaml (and personas.yaml beside it) and check them against the flow, the reasons
    (id -> node) and the prompts.

    ConfigError names the file and the scenario of every problem.
    """
    data = load_model(path, ScenariosFile)
    problems = _check(data, line, reason_nodes, path)
    personas, persona_problems = load_personas(path.parent / "personas.yaml", line.texts)
    problems += persona_problems
    for persona_id, persona in personas.personas.items():
        problems += [f"{path.parent / 'personas.yaml'}: persona {persona_id}, tips.{item_id}: not a rubric item "
                     f"(known: {', '.join(RUBRIC_ITEMS)})" for item_id in persona.tips if item_id not in RUBRIC_ITEMS]
    if problems:
        raise ConfigError(problems)
    by_node = {node_id: scenario_id
               for node_id, reason_id in branch_reasons(line, reason_nodes).items()
               if (scenario_id := _first_for(data, reason_id)) is not None}
    return ScenarioBook(data, line, by_node, path, personas)


def _first_for(data: ScenariosFile, reason_id: str) -> str | None:
    return next((sid for sid, s in data.scenarios.items() if s.reason == reason_id), None)


def _check(data: ScenariosFile, line: PracticeLine, reason_nodes: dict[str, str], where: Path) -> list[str]:
    problems: list[str] = []
    folder = line.flow_path.name

    def need_prompt(prompt_id: str, place: str) -> None:
        if prompt_id not in line.texts:
            problems.append(f"{where}: {place}: prompt '{prompt_id}' not found (expected prompts/coach/{prompt_id}.txt)")

    for role, node_id in data.desks.model_dump().items():
        if not isinstance(line.flow.nodes.get(node_id), MenuNode):
            problems.append(f"{where}: desks.{role}: '{node_id}' is not a menu node in {folder}")
    if data.default_scenario not in data.scenarios:
        problems.append(f"{where}: default_scenario: unknown scenario '{data.default_scenario}'")
    if set(data.rubric) != set(RUBRIC_ITEMS):
        problems.append(f"{where}: rubric: must list exactly {', '.join(RUBRIC_ITEMS)}")
    for item_id, words in data.rubric.items():
        need_prompt(words.well, f"rubric {item_id}, well")
        need_prompt(words.tip, f"rubric {item_id}, tip")
    for scenario_id, scenario in data.scenarios.items():
        place = f"scenario {scenario_id}"
        if scenario.reason not in reason_nodes:
            problems.append(f"{where}: {place}: reason '{scenario.reason}' is not a reason in reasons.yaml "
                            f"(known: {', '.join(reason_nodes)})")
        for field in WORDS:
            need_prompt(getattr(scenario, field), f"{place}, {field}")
        if scenario.next_steps_offered is not None:
            need_prompt(scenario.next_steps_offered, f"{place}, next_steps_offered")
        if scenario.situation in line.texts:
            situation = line.text(scenario.situation)
            for name, spoken in facts_for_ear(scenario.facts).items():
                if spoken not in situation:
                    problems.append(f"{where}: {place}, facts.{name}: the situation ({scenario.situation}) must say "
                                    f"it as '{spoken}'")
    return problems


def branch_reasons(line: PracticeLine, reason_nodes: dict[str, str]) -> dict[str, str]:
    """Flow node id -> the one reason whose branch holds it; nodes several branches share have none."""
    roots = {node: reason for reason, node in reason_nodes.items()}
    flow = line.flow
    seen_by: dict[str, set[str]] = {}
    for root, reason in roots.items():
        stack, seen = [root], {root}
        while stack:
            node = flow.nodes[stack.pop()]
            targets = [o.target for o in node.options] if isinstance(node, MenuNode) else []
            targets += [node.next] if hasattr(node, "next") else []
            for target in targets:
                # Another reason's branch, or the main menu, is not part of this one.
                if target not in seen and target not in roots and target != flow.defaults.home:
                    seen.add(target)
                    stack.append(target)
        for node_id in seen:
            seen_by.setdefault(node_id, set()).add(reason)
    return {node_id: reasons.pop() for node_id, reasons in seen_by.items() if len(reasons) == 1}
