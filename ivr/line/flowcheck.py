"""Graph checks on the menu: every problem names the file and the node."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from .flows import REFERENCE, CollectNode, EndNode, FlowFile, HoldNode, MenuNode, MessageNode
from .matching import tokens
from .prompts import PromptLibrary

OPTION_PLACEHOLDERS = {"key"}
# The global keys, by name, may be said in any prompt ("press {representative_key}").
FOOTER_PLACEHOLDERS = {"representative_key", "back_key", "repeat_key"}
DIGIT_PROMPTS = [f"digit-{d}" for d in range(10)]


@dataclass
class Report:
    """What a check found: errors stop start-up, warnings are only shown."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def edges(flow: FlowFile, node_id: str, forced_endings: bool = True) -> list[str]:
    """Every node a caller can move to from `node_id`, global keys (and, unless told not to, forced endings) included."""
    node, d = flow.nodes[node_id], flow.defaults
    if isinstance(node, EndNode):
        return []
    # Wherever the line listens, a caller who gives nothing, or whose call runs too long, is told goodbye.
    endings = [d.give_up, d.time_limit] if forced_endings else []
    if isinstance(node, MenuNode):
        out = [o.target for o in node.options]
        out += [d.representative, node.back or d.home, node.on_failure or d.on_failure]
        return out + endings
    out = [node.next]
    if isinstance(node, CollectNode):
        out += [d.representative, d.on_failure] + endings
    return out


def check_flow(flow: FlowFile, prompts: PromptLibrary, contact_values: dict[str, str], where: Path) -> Report:
    """Run every check on a loaded flow; the caller decides what to do with the report."""
    report = Report()
    _check_targets(flow, where, report)
    if report.errors:  # the graph checks below assume every target exists
        return report
    _check_prompts(flow, prompts, set(contact_values), where, report)
    _check_keys(flow, where, report)
    _check_phrases(flow, where, report)
    _check_reachable(flow, where, report)
    _check_ways_out(flow, where, report)
    _check_message_loops(flow, where, report)
    return report


def used_prompts(flow: FlowFile) -> set[str]:
    """Prompt ids the flow and the voice routes will speak."""
    d = flow.defaults
    used = {d.no_input_prompt, d.invalid_prompt, d.failure_prompt, d.apology_prompt, d.rejected_prompt,
            d.no_branch_prompt, d.out_of_scope_prompt,
            d.menu_footer.representative, d.menu_footer.repeat, d.menu_footer.back, d.already_speaking_prompt,
            d.reference_again_prompt, d.goodbye_prompt, *d.after_person.values()}
    for node in flow.nodes.values():
        used.update(p for p in node.prompts if p != REFERENCE)
        if REFERENCE in node.prompts:
            used.update(DIGIT_PROMPTS)
        if isinstance(node, MenuNode):
            used.update(o.say for o in node.options)
        if getattr(node, "invalid_prompt", None):
            used.add(node.invalid_prompt)
    return used


def _check_targets(flow: FlowFile, where: Path, report: Report) -> None:
    d = flow.defaults
    for name, target in [("start", flow.start), ("defaults.representative", d.representative),
                         ("defaults.home", d.home), ("defaults.on_failure", d.on_failure),
                         ("defaults.give_up", d.give_up), ("defaults.time_limit", d.time_limit)]:
        if target not in flow.nodes:
            report.errors.append(f"{where}: {name}: unknown node '{target}'")
        elif name in ("defaults.give_up", "defaults.time_limit") and not isinstance(flow.nodes[target], EndNode):
            report.errors.append(f"{where}: {name}: '{target}' must be an end node, so the call really ends")
    for node_id, node in flow.nodes.items():
        targets = {"next": getattr(node, "next", None), "back": getattr(node, "back", None),
                   "on_failure": getattr(node, "on_failure", None)}
        for i, option in enumerate(getattr(node, "options", [])):
            targets[f"options[{i}].target"] = option.target
        for name, target in targets.items():
            if target is not None and target not in flow.nodes:
                report.errors.append(f"{where}: node {node_id}: {name} goes to unknown node '{target}'")


def _check_prompts(flow: FlowFile, prompts: PromptLibrary, contact_names: set[str], where: Path,
                   report: Report) -> None:
    def need(prompt_id: str, node: str, allowed: set[str]) -> None:
        if prompt_id not in prompts:
            report.errors.append(f"{where}: {node}: missing prompt '{prompt_id}' (expected {prompts.path(prompt_id)})")
            return
        unknown = prompts.placeholders(prompt_id) - allowed
        if unknown:
            report.errors.append(f"{where}: {node}: prompt '{prompt_id}' uses unknown placeholder "
                                 f"{', '.join(sorted('{' + u + '}' for u in unknown))} ({prompts.path(prompt_id)})")

    d = flow.defaults
    anywhere = contact_names | FOOTER_PLACEHOLDERS
    for name in ["no_input_prompt", "invalid_prompt", "failure_prompt", "apology_prompt", "rejected_prompt",
                 "no_branch_prompt", "out_of_scope_prompt",
                 "goodbye_prompt"]:
        need(getattr(d, name), f"defaults.{name}", anywhere)
    for part in ("representative", "repeat", "back"):
        need(getattr(d.menu_footer, part), f"defaults.menu_footer.{part}", anywhere)
    need(d.already_speaking_prompt, "defaults.already_speaking_prompt", anywhere | {"person"})
    need(d.reference_again_prompt, "defaults.reference_again_prompt", anywhere | OPTION_PLACEHOLDERS)
    for original, instead in d.after_person.items():
        need(original, "defaults.after_person", anywhere)
        need(instead, "defaults.after_person", anywhere)
    for node_id, node in flow.nodes.items():
        label = f"node {node_id}"
        for prompt_id in node.prompts:
            if prompt_id == REFERENCE:
                if not isinstance(node, EndNode):
                    report.errors.append(f"{where}: {label}: {REFERENCE} belongs only in an end node")
                for digit in DIGIT_PROMPTS:
                    need(digit, label, set())
            else:
                need(prompt_id, label, anywhere)
        if isinstance(node, MenuNode):
            for option in node.options:
                need(option.say, label, anywhere | OPTION_PLACEHOLDERS)
        if getattr(node, "invalid_prompt", None):
            need(node.invalid_prompt, label, anywhere)
    for unused in sorted(set(prompts.texts) - used_prompts(flow)):
        if prompts.in_subfolder(unused):
            # The coach's words (prompts/coach/): checked here for placeholders, used by scenarios.yaml.
            unknown = prompts.placeholders(unused) - contact_names
            if unknown:
                report.errors.append(f"{prompts.path(unused)}: unknown placeholder "
                                     f"{', '.join(sorted('{' + u + '}' for u in unknown))}")
        else:
            report.warnings.append(f"{prompts.path(unused)}: prompt '{unused}' is not used by any node")


def _check_keys(flow: FlowFile, where: Path, report: Report) -> None:
    d = flow.defaults
    reserved = {d.representative_key: "representative", d.back_key: "back", d.repeat_key: "repeat"}
    if len(reserved) < 3:
        report.errors.append(f"{where}: defaults: representative, back and repeat keys must differ")
    if d.reference_again_key in reserved:
        report.errors.append(f"{where}: defaults.reference_again_key: {d.reference_again_key} is kept for "
                             f"{reserved[d.reference_again_key]} on every menu")
    for node_id, node in flow.nodes.items():
        if not isinstance(node, MenuNode):
            continue
        seen: dict[str, int] = {}
        for i, option in enumerate(node.options):
            if option.key in reserved:
                report.errors.append(f"{where}: node {node_id}: options[{i}] uses key {option.key}, "
                                     f"which is kept for {reserved[option.key]} on every menu")
            if option.key in seen:
                report.errors.append(f"{where}: node {node_id}: duplicate key {option.key} "
                                     f"(options[{seen[option.key]}] and options[{i}])")
            seen.setdefault(option.key, i)


def _check_phrases(flow: FlowFile, where: Path, report: Report) -> None:
    # A phrase made only of filler words ("now", "please") could never be matched.
    d = flow.defaults
    lists = {f"defaults.{name}": getattr(d, name)
             for name in ("representative_phrases", "back_phrases", "repeat_phrases", "home_phrases")}
    for node_id, node in flow.nodes.items():
        for i, option in enumerate(getattr(node, "options", [])):
            lists[f"node {node_id}: options[{i}]"] = option.phrases
    for place, phrases in lists.items():
        for phrase in phrases:
            if not tokens(phrase):
                report.errors.append(f"{where}: {place}: phrase '{phrase}' is only filler words, "
                                     "so no caller could ever match it")


def _reach(flow: FlowFile, start: str, forced_endings: bool = True) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for target in edges(flow, queue.popleft(), forced_endings):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _check_reachable(flow: FlowFile, where: Path, report: Report) -> None:
    reachable = _reach(flow, flow.start)
    for node_id in flow.nodes:
        if node_id not in reachable:
            report.errors.append(f"{where}: node {node_id}: unreachable from '{flow.start}'")


def _check_ways_out(flow: FlowFile, where: Path, report: Report) -> None:
    d = flow.defaults
    ends = {n for n, node in flow.nodes.items() if isinstance(node, EndNode)}
    if not ends:
        report.errors.append(f"{where}: no end node: no call could ever finish")
    rep_desk = _reach(flow, d.representative)
    if not any(isinstance(flow.nodes[n], MenuNode) for n in rep_desk):
        report.errors.append(f"{where}: defaults.representative: '{d.representative}' never reaches a menu, "
                             "so a caller who asks for a person is never heard")
    for node_id in flow.nodes:
        # A caller who is trying must be able to finish, not only be told goodbye for giving nothing.
        reach = _reach(flow, node_id, forced_endings=False)
        if node_id not in ends and not reach & (ends - {d.give_up, d.time_limit}):
            report.errors.append(f"{where}: node {node_id}: dead end: no way from here to the end of a call")
        node = flow.nodes[node_id]
        if isinstance(node, MenuNode) and d.representative not in reach:
            report.errors.append(f"{where}: node {node_id}: a representative cannot be reached from this menu")


def _check_message_loops(flow: FlowFile, where: Path, report: Report) -> None:
    # message -> message -> ... back to itself would redirect forever without listening.
    for node_id in flow.nodes:
        seen, current = set(), node_id
        while isinstance(flow.nodes[current], (MessageNode, HoldNode)):
            if current in seen:
                report.errors.append(f"{where}: node {node_id}: loops through messages without ever listening")
                break
            seen.add(current)
            current = flow.nodes[current].next
