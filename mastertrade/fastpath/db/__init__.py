"""The `cursor` piece, a database backend (ENGINE "mastertrade.fastpath.db"): see base.py.
Off (FASTPATH_OFF=cursor), settings name django-prometheus's own backend instead."""
