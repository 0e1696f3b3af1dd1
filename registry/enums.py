"""The vocabulary of the registry: kinds, levels, statuses, industry groups and list batches."""

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    FACTORY = "factory", _("Green factory")
    PARK = "park", _("Green industrial park")
    SUPPLY_CHAIN = "supply_chain", _("Green supply-chain management firm")


class Level(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")


class UnitStatus(models.TextChoices):
    LISTED = "listed", _("Listed")
    REMOVED = "removed", _("Removed")


class IndustryGroup(models.TextChoices):
    """MIIT's grouping of industries, used as the wider peer group when a division is thin.

    MIIT's departments group manufacturing into four; power, gas and water supply (GB/T 4754 D44-46)
    belong to none of them, so they form a fifth group of their own here.
    """

    RAW_MATERIALS = "raw_materials", _("Raw materials industry")
    EQUIPMENT = "equipment", _("Equipment industry")
    CONSUMER = "consumer", _("Consumer goods industry")
    ELECTRONICS = "electronics", _("Electronic information")
    UTILITIES = "utilities", _("Power, gas and water supply")


class MembershipScope(models.TextChoices):
    PROVINCE = "province", _("Provincial department")
    CITY = "city", _("City bureau")
    UNIT = "unit", _("Enterprise")


class HistorySource(models.TextChoices):
    MANUAL = "manual", _("Edited in the portal")
    IMPORT = "import", _("Spreadsheet import")
    MIIT_DECISION = "miit_decision", _("MIIT decision")
    INCIDENT = "incident", _("Incident report")
    SYSTEM = "system", _("System")


# The national lists were published in batches; a unit keeps the batch it was listed in.
BATCH_YEARS = {1: 2017, 2: 2017, 3: 2018, 4: 2019, 5: 2020, 6: 2021, 7: 2022, 8: 2023}
BATCH_CHOICES = [(n, format_lazy(_("Batch {n} ({year})"), n=n, year=y)) for n, y in BATCH_YEARS.items()]


# --- the unit's state machine (the one declaration; registry.services performs the moves) ---------------

from greenmfg.statemachine import Machine, Move  # noqa: E402  (the vocabulary above comes first)

UNIT_MACHINE = Machine("unit", UnitStatus, [
    Move("remove", (UnitStatus.LISTED,), UnitStatus.REMOVED, _("Removed from the list")),
    Move("relist", (UnitStatus.REMOVED,), UnitStatus.LISTED, _("Put back on the list")),
])
