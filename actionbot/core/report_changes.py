"""State changes about reports and node settings (applied by ``store.reports``)."""

from __future__ import annotations

from dataclasses import dataclass

from actionbot.core.reports import NodeSettings, Report


@dataclass(frozen=True, kw_only=True)
class AddReport:
    report: Report


@dataclass(frozen=True, kw_only=True)
class WithdrawReport:
    report_id: str


@dataclass(frozen=True, kw_only=True)
class SetNodeSettings:
    node_id: str
    settings: NodeSettings


ReportChange = AddReport | WithdrawReport | SetNodeSettings
