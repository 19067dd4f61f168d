"""The practice line ready to serve: config checked, words filled in, phrases indexed."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from .contacts import Contacts, load_contacts
from .errors import ConfigError
from .flowcheck import Report, check_flow
from .flows import REFERENCE, CollectNode, FlowFile, MenuNode, Node, load_flow_file
from .matching import Ear, PhraseIndex, tokens
from .prompts import PromptLibrary, load_prompts

# What a phrase or key can mean besides an option's target node.
REPRESENTATIVE, BACK, REPEAT, HOME = "@representative", "@back", "@repeat", "@home"
KEY_NAMES = {"*": "star", "#": "pound"}


@dataclass(frozen=True)
class Segment:
    """One thing to say: a prompt id and its final words (REFERENCE: filled per call)."""

    prompt_id: str
    text: str


@dataclass(frozen=True)
class Step:
    """One move on the way to a node: a key, or digits or words to give."""

    key: str | None = None
    digits: int | None = None
    words: bool = False

    def __str__(self) -> str:
        if self.key is not None:
            return self.key
        if self.words:
            return "say a few words"
        return f"any {self.digits} digits" if self.digits else "any digits, then #"


@dataclass(frozen=True)
class CompiledNode:
    """A node plus everything worked out once at start-up."""

    id: str
    node: Node
    segments: tuple[Segment, ...]
    choices: dict[str, str]  # key -> target node id or one of the @ choices
    phrases: PhraseIndex
    hints: str
    notices: dict[str, Segment]  # prompt id -> its words as said at this node ({person} filled)

    @property
    def kind(self) -> str:
        """message, menu, collect, hold or end."""
        return self.node.kind

    @property
    def person(self) -> str | None:
        """Who is speaking here ("a representative"), or None where no person is on the line."""
        return self.node.person

    @property
    def label(self) -> str:
        """What a person calls this node ("dispute a charge"), else its id."""
        return self.node.label or self.id


@dataclass(frozen=True)
class PracticeLine:
    """Everything the voice routes, the practice modes and the checklist read."""

    flow: FlowFile
    contacts: Contacts
    texts: dict[str, str]  # prompt id -> final words
    nodes: dict[str, CompiledNode]
    flow_path: Path
    warnings: tuple[str, ...]
    # Understands callers' own words at the menus (ivr.ear's MenuEar, set by create_app); None: phrases only.
    ear: Ear | None = field(default=None, compare=False, repr=False)
    # node id -> (the nodes one reply speaks from it, whether a person speaks in them, those of them
    # that read a reference number): asked every webhook
    _runs: dict[str, tuple[tuple[str, ...], bool, tuple[str, ...]]] = field(default_factory=dict, compare=False,
                                                                             repr=False)

    def text(self, prompt_id: str) -> str:
        """The final words of a prompt."""
        return self.texts[prompt_id]

    def segment(self, prompt_id: str, node_id: str | None = None) -> Segment:
        """A prompt as something to say (at `node_id`, where some prompts name the person speaking)."""
        compiled = self.nodes.get(node_id) if node_id else None
        if compiled is not None and prompt_id in compiled.notices:
            return compiled.notices[prompt_id]
        return Segment(prompt_id, self.texts[prompt_id])

    def run_from(self, node_id: str) -> tuple[str, ...]:
        """The nodes one reply speaks from `node_id`: messages and holds run on into their next node."""
        return self._run(node_id)[0]

    def run_has_person(self, node_id: str) -> bool:
        """Whether a person speaks in the reply that starts at `node_id`."""
        return self._run(node_id)[1]

    def run_references(self, node_id: str) -> tuple[str, ...]:
        """The nodes of the reply that starts at `node_id` that read the call's reference number."""
        return self._run(node_id)[2]

    def _run(self, node_id: str) -> tuple[tuple[str, ...], bool, tuple[str, ...]]:
        found = self._runs.get(node_id)
        if found is None:
            nodes = [node_id]
            # The flow check forbids message loops; the bound only guards a reply growing without end.
            while self.nodes[nodes[-1]].kind in ("message", "hold") and len(nodes) <= len(self.nodes):
                nodes.append(self.flow.nodes[nodes[-1]].next)
            found = self._runs[node_id] = (tuple(nodes), any(self.is_person(n) for n in nodes),
                                           tuple(n for n in nodes if REFERENCE in self.flow.nodes[n].prompts))
        return found

    def is_person(self, node_id: str) -> bool:
        """Whether a person is speaking at `node_id`."""
        compiled = self.nodes.get(node_id)
        return compiled is not None and compiled.person is not None

    def spoken(self) -> dict[str, str]:
        """Every distinct text a call can speak (options with their keys filled) -> its prompt id."""
        found = {text: prompt_id for prompt_id, text in self.texts.items()}
        for compiled in self.nodes.values():
            for segment in (*compiled.segments, *compiled.notices.values()):
                if segment.prompt_id != REFERENCE:  # spoken as digit-0..digit-9, already in texts
                    found.setdefault(segment.text, segment.prompt_id)
        return found

    def key_paths(self) -> dict[str, tuple[Step, ...]]:
        """The shortest path from the start to every node, as the caller would press it."""
        d = self.flow.defaults
        paths: dict[str, tuple[Step, ...]] = {self.flow.start: ()}
        queue = deque([self.flow.start])
        while queue:
            node_id = queue.popleft()
            node = self.flow.nodes[node_id]
            moves: list[tuple[str, Step | None]] = []
            if isinstance(node, MenuNode):
                moves = [(o.target, Step(key=o.key)) for o in node.options]
                moves.append((d.representative, Step(key=d.representative_key)))
            elif isinstance(node, CollectNode):
                moves = [(node.next, Step(digits=node.digits, words=node.input == "speech"))]
            elif hasattr(node, "next"):
                moves = [(node.next, None)]
            for target, step in moves:
                if target not in paths:
                    paths[target] = paths[node_id] + ((step,) if step else ())
                    queue.append(target)
        return paths


def spoken_key_name(key: str) -> str:
    """How a key is said aloud: 1, star, pound."""
    return KEY_NAMES.get(key, key)


def footer_prompts(flow: FlowFile, node_id: str) -> list[str]:
    """The footer prompts a menu says: only what its representative, repeat and back keys really do there."""
    d, node = flow.defaults, flow.nodes[node_id]
    footer = []
    if not node.person:  # where a person speaks, 0 only says who you are already speaking with
        footer.append(d.menu_footer.representative)
    footer.append(d.menu_footer.repeat)
    if (getattr(node, "back", None) or d.home) != node_id:  # at the main menu, star only repeats
        footer.append(d.menu_footer.back)
    return footer


def load_line(config_dir: Path, prompts_dir: Path) -> PracticeLine:
    """Load contacts, prompts and flows, check them, and compile; ConfigError if any is wrong."""
    flow_path = config_dir / "flows.yaml"
    contacts = load_contacts(config_dir / "contacts.yaml")
    prompts = load_prompts(prompts_dir)
    flow = load_flow_file(flow_path)
    values = contacts.spoken()
    report = check_flow(flow, prompts, values, flow_path)
    if report.errors:
        raise ConfigError(report.errors)
    return compile_line(flow, contacts, prompts, values, flow_path, report)


def compile_line(flow: FlowFile, contacts: Contacts, prompts: PromptLibrary, values: dict[str, str],
                 flow_path: Path, report: Report) -> PracticeLine:
    """Fill in every prompt and index every menu, so a webhook only looks things up."""
    d = flow.defaults
    footer_values = {**values, "representative_key": spoken_key_name(d.representative_key),
                     "back_key": spoken_key_name(d.back_key), "repeat_key": spoken_key_name(d.repeat_key)}
    per_node = {"key", "person"}  # filled per option or per node below
    texts = {pid: prompts.render(pid, footer_values) for pid in prompts.texts
             if not prompts.placeholders(pid) & per_node}
    texts[d.reference_again_prompt] = prompts.render(d.reference_again_prompt,
                                                     {**footer_values, "key": spoken_key_name(d.reference_again_key)})
    global_phrases = ([(p, REPRESENTATIVE) for p in d.representative_phrases]
                      + [(p, BACK) for p in d.back_phrases] + [(p, REPEAT) for p in d.repeat_phrases]
                      + [(p, HOME) for p in d.home_phrases])
    global_keys = {d.representative_key: REPRESENTATIVE, d.back_key: BACK, d.repeat_key: REPEAT}
    nodes = {}
    for node_id, node in flow.nodes.items():
        segments = [Segment(REFERENCE, "") if p == REFERENCE else Segment(p, texts[p]) for p in node.prompts]
        notices = {}
        if node.person:
            text = prompts.render(d.already_speaking_prompt, {**footer_values, "person": node.person})
            notices[d.already_speaking_prompt] = Segment(d.already_speaking_prompt, text)
        choices: dict[str, str] = {}
        phrases: list[tuple[str, str]] = []
        if isinstance(node, MenuNode):
            for option in node.options:
                spoken = prompts.render(option.say, {**values, "key": spoken_key_name(option.key)})
                segments.append(Segment(option.say, spoken))
                choices[option.key] = option.target
                phrases += [(p, option.target) for p in option.phrases]
            segments += [Segment(p, texts[p]) for p in footer_prompts(flow, node_id)]
            choices.update(global_keys)
        # Options first, so an option's phrase beats a global one of the same length.
        phrases += global_phrases
        # Hint only phrases the matcher can use (flowcheck rejects ones made of filler words).
        hints = ", ".join(dict.fromkeys(p for p, _ in phrases if tokens(p)))
        nodes[node_id] = CompiledNode(node_id, node, tuple(segments), choices, PhraseIndex.build(phrases), hints,
                                      notices)
    return PracticeLine(flow, contacts, texts, nodes, flow_path, tuple(report.warnings))


__all__ = ["ConfigError", "PracticeLine", "load_line", "REPRESENTATIVE", "BACK", "REPEAT", "HOME"]
