"""The tabs of HikyuuTDX, one module each, and the form helpers and process runner they share."""

__all__: list[str] = []
