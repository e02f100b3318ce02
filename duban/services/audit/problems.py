"""What `duban audit verify` reports: one problem, naming the row it is about."""

from __future__ import annotations

from dataclasses import dataclass

from storage.eventlog import ChainProblem


@dataclass(frozen=True)
class AuditProblem:
    where: str  # the row: 审计链 X 第 N 条（事件 id=…）, problem_items id=3（MS2015-0003）, 锚点文件 … 第 N 行
    problem: str
    chain: str | None = None
    seq: int | None = None
    event_id: int | None = None
    table: str | None = None
    row_id: int | None = None

    @property
    def message(self) -> str:
        return f"{self.where}：{self.problem}"

    @classmethod
    def from_chain(cls, found: ChainProblem) -> AuditProblem:
        row = f"事件 id={found.event_id}" if found.event_id else "链尾"
        return cls(f"审计链 {found.chain} 第 {found.seq} 条（{row}）", found.problem, chain=found.chain,
                   seq=found.seq, event_id=found.event_id)

    @classmethod
    def row(cls, table: str, row_id: int, label: str, problem: str) -> AuditProblem:
        return cls(f"{table} id={row_id}（{label}）", problem, table=table, row_id=row_id)
