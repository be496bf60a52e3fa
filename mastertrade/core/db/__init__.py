"""The project's database backend (ENGINE "mastertrade.core.db"): see base.py."""
