"""Vocabulary shared by every context (DESIGN.md §2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HighRiskSector(models.TextChoices):
    MINING = "mining", _("Mining")
    METALLURGY_TRADE = "metallurgy_trade", _("Metallurgy, industry and trade")
    CONSTRUCTION = "construction", _("Construction")
    ROAD_TRANSPORT = "road_transport", _("Road transport")
    HAZARDOUS_GOODS = "hazardous_goods", _("Hazardous goods")


class ServiceCategory(models.TextChoices):
    """The six kinds of service (DESIGN.md §4, R2)."""

    INSPECTION = "inspection", _("Safety inspection and hazard-governance support")
    EMERGENCY = "emergency", _("Emergency plans, drills and rescue support")
    OCCUPATIONAL = "occupational", _("Workplace occupational-hazard testing")
    STANDARDIZATION = "standardization", _("Safety communities and standardization spot checks")
    TRAINING = "training", _("Safety training and publicity")
    OTHER = "other", _("Other")


class ProcurementMethod(models.TextChoices):
    """政府采购法 第26条 and 财政部 rules: the lawful procurement methods."""

    OPEN_TENDER = "open_tender", _("Open tender (公开招标)")
    INVITED_TENDER = "invited_tender", _("Invited tender (邀请招标)")
    COMPETITIVE_NEGOTIATION = "competitive_negotiation", _("Competitive negotiation (竞争性谈判)")
    COMPETITIVE_CONSULTATION = (
        "competitive_consultation",
        _("Competitive consultation (竞争性磋商)"),
    )
    SINGLE_SOURCE = "single_source", _("Single source (单一来源)")
    REQUEST_FOR_QUOTATION = "request_for_quotation", _("Request for quotation (询价)")


class ImportStatus(models.TextChoices):
    """Where a spreadsheet import stands (enterprise directory, county roster)."""

    QUEUED = "queued", _("Queued")
    VALIDATING = "validating", _("Checking rows")
    FAILED = "failed", _("Refused: nothing imported")
    SUCCEEDED = "succeeded", _("Imported")
    ERROR = "error", _("Stopped by an internal error: nothing imported")
