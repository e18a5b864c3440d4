"""What the engine's results become: experiments that run replications and return tables
(``analysis.experiments``), their statistics (``analysis.stats``), the text, charts and briefing made from
those tables (``analysis.reporting``), the browser explorer (``analysis.explorer``) and the commands of
``run.py`` (``analysis.cli``). ``docs/design.md`` gives the layers and what may import what."""
