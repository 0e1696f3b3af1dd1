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
    DISTRICT = "district", _("District reviewer")
    # An enterprise account belongs to the legal entity and acts for every listed unit it holds.
    ENTERPRISE = "enterprise", _("Enterprise")
    # One listed unit only (a plant's own contact person, say).
    UNIT = "unit", _("One listed unit")


class DistrictKind(models.TextChoices):
    """A review area below the city: a county-level division of GB/T 2260, the special cooperation zone, or an
    area a city chose to review through (a development zone, a town)."""

    DIVISION = "division", _("County-level division (GB/T 2260)")
    COOPERATION_ZONE = "cooperation_zone", _("Special cooperation zone")
    REVIEW_AREA = "review_area", _("Review area chosen by the city")


class ListPurpose(models.TextChoices):
    LISTING = "listing", _("List of new units")
    REMOVAL = "removal", _("Removals")


class HistorySource(models.TextChoices):
    MANUAL = "manual", _("Edited in the portal")
    IMPORT = "import", _("Spreadsheet import")
    MIIT_DECISION = "miit_decision", _("MIIT decision")
    MIIT_LIST = "miit_list", _("MIIT published list")
    INCIDENT = "incident", _("Incident report")
    SYSTEM = "system", _("System")


# The national lists were published in batches; a unit keeps the batch it was listed in.
BATCH_YEARS = {1: 2017, 2: 2017, 3: 2018, 4: 2019, 5: 2020, 6: 2021, 7: 2022, 8: 2023}
BATCH_CHOICES = [(n, format_lazy(_("Batch {n} ({year})"), n=n, year=y)) for n, y in BATCH_YEARS.items()]
# MIIT's own names of the batches. From the sixth on, MIIT also named the lists by year (2021年度 is the sixth
# batch, 2023年度 the eighth); after the eighth, lists have a year only (2024年度, 2025年度 …).
BATCH_NAMES = {1: "第一批", 2: "第二批", 3: "第三批", 4: "第四批", 5: "第五批", 6: "第六批", 7: "第七批", 8: "第八批"}
LAST_BATCH = max(BATCH_YEARS)
FIRST_YEARLY_LIST = BATCH_YEARS[LAST_BATCH] + 1  # 2024年度: the first list with no batch number


# --- the unit's state machine (the one declaration; registry.services performs the moves) ---------------

from greenmfg.statemachine import Machine, Move  # noqa: E402  (the vocabulary above comes first)

UNIT_MACHINE = Machine("unit", UnitStatus, [
    Move("remove", (UnitStatus.LISTED,), UnitStatus.REMOVED, _("Removed from the list")),
    Move("relist", (UnitStatus.REMOVED,), UnitStatus.LISTED, _("Put back on the list")),
])
