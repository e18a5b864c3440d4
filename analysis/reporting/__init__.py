"""Reporting: the words (zh/en), numbers, tables, fonts, charts and briefing made from the tables and the
manifest an experiment writes."""
