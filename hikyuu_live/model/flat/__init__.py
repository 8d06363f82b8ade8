"""flatc's Python code for ``schemas/spot.fbs`` (``make flat``) and a per-field builder over it: the schema's
reference implementation, against which tests and benchmarks check our numpy codec. Not used at run time;
needs the ``flatbuffers`` package (``dev`` extra)."""

__all__: list[str] = []
