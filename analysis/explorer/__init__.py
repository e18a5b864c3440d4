"""The policy explorer in the browser (``python run.py explore``): its logic (``core``), its page
(``app``)."""
