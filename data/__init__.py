"""The embedded demo region of parkplan: a fictional, seeded rural region (see ``demo_region``)."""
