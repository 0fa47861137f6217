"""The county roster: one workbook of the county's organizations (sheet 单位) and their users
(sheet 用户), checked in the background and written all or nothing.

Every row is checked before anything is written; a refused roster leaves a row report
(sheet, row, column, value, reason) and the county exactly as it was. The new users'
temporary passwords are never stored in clear: they are encrypted with a key derived from
SECRET_KEY, downloadable once by the uploader for ten minutes, then erased.
"""

from safeserve.operations.roster.jobs import (
    roster_credentials_purge,
    roster_credentials_take,
    roster_import_create,
    roster_import_run,
)
from safeserve.operations.roster.sheets import (
    CREDENTIAL_HEADERS,
    ERROR_HEADERS,
    credentials_rows,
    template_workbook,
)

__all__ = [
    "CREDENTIAL_HEADERS",
    "ERROR_HEADERS",
    "credentials_rows",
    "roster_credentials_purge",
    "roster_credentials_take",
    "roster_import_create",
    "roster_import_run",
    "template_workbook",
]
