"""What the enterprise declared besides its figures: the major-changes block and the compliance block, read the
same way by the filing page, the review page and the spreadsheet (粤工信节能函〔2024〕37号's three blocks)."""

from __future__ import annotations

from dataclasses import dataclass

from ..enums import ComplianceItem, ComplianceResult
from ..models import ComplianceCheck, Filing

# (yes/no field, the detail field shown with it, if any)
CHANGES = (
    ("had_accident", None), ("penalised", None), ("relocated", None), ("production_stopped", "stopped_months"),
    ("name_changed", "new_name"), ("scope_changed", None), ("address_changed", None), ("boundary_changed", None),
    ("restructured", None),
)


@dataclass(frozen=True)
class Change:
    name: str
    label: str
    declared: bool
    detail: object = None
    serious: bool = False  # needs the city's disposition


def declared_changes(filing: Filing) -> list[Change]:
    """Every change of the block, declared or not (the page shows both), in the form's order."""
    return [
        Change(name, str(Filing._meta.get_field(name).verbose_name), bool(getattr(filing, name)),
               getattr(filing, detail) if detail else None, name in Filing.SERIOUS_CHANGES)
        for name, detail in CHANGES
    ]


@dataclass(frozen=True)
class ComplianceRow:
    item: str
    label: str
    declared: bool  # the enterprise answered "yes": a finding
    verification: ComplianceCheck | None

    @property
    def failed(self) -> bool:
        return self.declared or (self.verification is not None and self.verification.result == ComplianceResult.FOUND)


def compliance_rows(filing: Filing, verifications: dict[str, ComplianceCheck]) -> list[ComplianceRow]:
    return [ComplianceRow(item, str(label), bool(getattr(filing, Filing.COMPLIANCE_ANSWERS[item])),
                          verifications.get(item))
            for item, label in ComplianceItem.choices]
