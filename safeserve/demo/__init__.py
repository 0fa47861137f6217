"""The demo world behind ``make demo`` and ``manage.py seed_demo``, one module per part of
the chain: seed (regions, organisations, every demo login, and the order the parts are
seeded in), enterprises, providers, procurement, contracts, fieldwork (visits, hazards,
reports), housing (住建局's major hazard) and training. Everything goes through the
services, so the demo is audited like real work. Tests build what they need with their own
fixtures; nothing outside this package imports it."""
