# libfaketime: tests/bridge runs Hikyuu's own Strategy against a recorded day; its SpotAgent only takes spots
# dated today by the wall clock, so the Hikyuu process runs with its date moved to the recording's
# (tests/services/hikyuu_live_env.py copies the library into the Hikyuu chroot).
need_apt libfaketime
