"""Names shared by the file contracts, the inventory, events and reports."""

from __future__ import annotations

from importlib.resources import files

# Package data (pyproject's [tool.setuptools.package-data]), found through importlib.resources so that a
# non-editable install from any folder has its DDL and event schemas.
SCHEMAS_DIR = files("schemas")
DDL_DIR = SCHEMAS_DIR / "ddl"
EVENTS_DIR = SCHEMAS_DIR / "events"

# The four statuses of the seed. Stored and printed in these machine forms
# (JSON, filters, events); LABELS gives the operator-facing words.
AVAILABLE = "available"
RESERVED = "reserved"
IN_USE = "in_use"
DISPOSED = "disposed"
STATUSES = (AVAILABLE, RESERVED, IN_USE, DISPOSED)
LABELS = {AVAILABLE: "Available", RESERVED: "Reserved", IN_USE: "In use", DISPOSED: "Disposed"}

ADMIN = "admin"  # the value of managed_by / actor for the administrator

SIM_TYPES = ("SIM", "eSIM")

# One list of secret columns drives masking, events, reports and encryption at rest.
# `activation_code` is secret because it carries the matching id (the token that downloads the profile).
SECRET_COLUMNS = ("pin1", "pin2", "puk1", "puk2", "adm1", "ki", "opc", "activation_code")

# Columns of an upload file, in their canonical (inventory) names, with the header spellings accepted
# (compared case-insensitively after trimming). `<Name> custom` headers are custom fields.
UPLOAD_COLUMNS: dict[str, tuple[str, ...]] = {
    "action": ("action",),
    "iccid": ("iccid", "ser_nb"),
    "imsi": ("imsi",),
    "pin1": ("pin", "pin1"),
    "pin2": ("pin2",),
    "puk1": ("puk1", "puk"),
    "puk2": ("puk2",),
    "adm1": ("adm1",),
    "ki": ("ki",),
    "opc": ("opc",),
    "amf": ("amf",),
    "activation_code": ("esim activation code", "activation code", "activation_code"),
    "description": ("description",),
    "hlr": ("hlr",),
    "managed_by": ("managed by", "managed_by"),
    "sim_type": ("sim type", "sim_type"),
}

# How each canonical column is named to people (error messages, rejection reports).
DISPLAY_NAMES = {
    "action": "Action", "iccid": "ICCID", "imsi": "IMSI", "pin1": "PIN1", "pin2": "PIN2",
    "puk1": "PUK1", "puk2": "PUK2", "adm1": "ADM1", "ki": "KI", "opc": "OPC", "amf": "AMF",
    "activation_code": "eSIM activation code", "description": "Description", "hlr": "HLR",
    "managed_by": "Managed by", "sim_type": "SIM type",
}

CUSTOM_PREFIX = "custom:"  # canonical name of a custom column: "custom:Marketplace"
CUSTOM_SUFFIX = " custom"  # header suffix, case-insensitive: "Marketplace custom", "Marketplace CUSTOM"

# Upload actions: the file's spelling -> the canonical action.
UPLOAD_ACTIONS = {"+": "add", "add": "add", "-": "remove", "remove": "remove"}

# Columns that may be printed in messages and reports (an allow-list: a new column is hidden until added).
PRINTABLE_COLUMNS = frozenset(
    {"action", "iccid", "imsi", "amf", "description", "hlr", "managed_by", "sim_type", "msisdn",
     "account_id", "customer", "distributor", "representative", "status"}
)

# Event types (CloudEvents `type`) and their JSON Schemas in schemas/events/.
EVENT_STATUS_CHANGED = "SIMCard/StatusChanged"
EVENT_ASSIGNED = "SIMCard/Assigned"
EVENT_UNASSIGNED = "SIMCard/Unassigned"
EVENT_CREATED = "SIMCard/Created"
EVENT_DELETED = "SIMCard/Deleted"
EVENT_TYPES = (EVENT_STATUS_CHANGED, EVENT_ASSIGNED, EVENT_UNASSIGNED, EVENT_CREATED, EVENT_DELETED)
