"""A small declarative core over ``transitions``.

A lifecycle is data: states with Chinese labels, transitions with guards. One
module-level ``Machine`` serves every record (the state lives in the database
row); a throwaway token is added, fired and removed per call. Guards are plain
functions that raise ``RuleViolation`` with the reason, so a refusal always
says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from transitions import Machine, MachineError

from duban.errors import RuleViolation

Guard = Callable[[Any], None]


@dataclass(frozen=True)
class Transition:
    trigger: str
    source: tuple[str, ...]
    dest: str
    guards: tuple[Guard, ...] = ()


@dataclass
class _Token:
    state: str
    facts: Any = None


@dataclass
class Lifecycle:
    name: str
    states: dict[str, str]  # code -> Chinese label
    triggers: dict[str, str]  # trigger -> Chinese label
    transitions: list[Transition]
    initial: str
    final: frozenset[str] = frozenset()
    _machine: Machine = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._machine = Machine(
            model=None,
            states=list(self.states),
            transitions=[self._spec(t) for t in self.transitions],
            initial=self.initial,
            auto_transitions=False,
            send_event=True,
        )

    @staticmethod
    def _spec(t: Transition) -> dict:
        def check(event) -> bool:
            for guard in t.guards:
                guard(event.model.facts)
            return True

        return {"trigger": t.trigger, "source": list(t.source), "dest": t.dest, "conditions": [check]}

    def fire(self, state: str, trigger: str, facts: Any = None) -> str:
        """Return the state after ``trigger``; raise RuleViolation if not allowed."""
        if trigger not in self.triggers:
            raise RuleViolation(f"未知操作：{trigger}")
        if trigger not in self.allowed_triggers(state):
            raise RuleViolation(
                f"当前状态「{self.label(state)}」不能执行「{self.triggers[trigger]}」"
                f"（可执行：{'、'.join(self.triggers[t] for t in self.allowed_triggers(state)) or '无'}）"
            )
        token = _Token(state=state, facts=facts)
        self._machine.add_model(token, initial=state)
        try:
            token.trigger(trigger)
        except MachineError as exc:  # defensive: allowed_triggers should have caught it
            raise RuleViolation(f"当前状态「{self.label(state)}」不能执行「{self.triggers[trigger]}」") from exc
        finally:
            self._machine.remove_model(token)
        return token.state

    def allowed_triggers(self, state: str) -> list[str]:
        return [t.trigger for t in self.transitions if state in t.source]

    def label(self, state: str) -> str:
        return self.states.get(state, state)

    def mermaid(self) -> str:
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        lines += [f"    {code}: {label}（{code}）" for code, label in self.states.items()]
        for t in self.transitions:
            for src in t.source:
                lines.append(f"    {src} --> {t.dest}: {self.triggers[t.trigger]}")
        lines += [f"    {s} --> [*]" for s in sorted(self.final)]
        return "\n".join(lines) + "\n"

    def graphviz(self) -> str:
        lines = [f'digraph "{self.name}" {{', "    rankdir=LR;", '    node [shape=box, style=rounded, fontname="Noto Sans CJK SC"];',
                 '    edge [fontname="Noto Sans CJK SC", fontsize=10];']
        for code, label in self.states.items():
            shape = ", peripheries=2" if code in self.final else ""
            lines.append(f'    {code} [label="{label}\\n{code}"{shape}];')
        for t in self.transitions:
            for src in t.source:
                lines.append(f'    {src} -> {t.dest} [label="{self.triggers[t.trigger]}"];')
        lines.append("}")
        return "\n".join(lines) + "\n"
