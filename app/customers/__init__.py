"""The customer archive (一户一档, S21): records with their checks (M3/M4), masking and the view log (S21.4), search,
CSV import and export, demo customers."""
