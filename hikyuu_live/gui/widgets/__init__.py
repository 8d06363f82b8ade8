"""HikyuuTDX tabs: one module per tab, plus the child-process runner they share."""
