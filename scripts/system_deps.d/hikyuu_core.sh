# debootstrap: tests/store/test_hikyuu_core.py runs Hikyuu's own C++ core (it needs glibc 2.38) in a Debian 13
# chroot as the oracle of what our stores write (tests/services/hikyuu_core.py builds and caches it).
need_apt debootstrap
