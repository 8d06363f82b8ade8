"""TDX sources: local vipdoc files and the TDX network protocol (``network/``)."""
