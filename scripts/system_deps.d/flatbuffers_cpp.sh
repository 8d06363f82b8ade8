# The C++ FlatBuffers verifier (the check Hikyuu's C++ SpotAgent runs on every message):
# tests/codec/test_cpp_verifier.py compiles a tiny verifier against these headers.
need_apt libflatbuffers-dev flatbuffers-compiler g++
