"""What every package below the business areas needs and nothing else: one transaction per use case (``tx.writes``),
the errors a use case raises (``errors``), paths into case data, and the registry areas plug into (``registry``)."""
