"""Vocabulary shared by every context (DESIGN.md §2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HighRiskSector(models.TextChoices):
    MINING = "mining", _("Mining")
    METALLURGY_TRADE = "metallurgy_trade", _("Metallurgy, industry and trade")
    CONSTRUCTION = "construction", _("Construction")
    ROAD_TRANSPORT = "road_transport", _("Road transport")
    HAZARDOUS_GOODS = "hazardous_goods", _("Hazardous goods")
