"""The product's features, one package each: routes per audience (household.py, staff.py, public.py),
service.py for the writes, forms and labels beside them. A feature imports another only through its service."""
