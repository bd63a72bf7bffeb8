"""The organisation: units, users and roles, bearer tokens, lane → candidate group (``groups``), who may see or work
what (``access``, C13.2.5 exclusions), conflict-of-interest declarations (``directory``)."""
