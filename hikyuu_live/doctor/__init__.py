"""``hikyuu_doctor``: the backtest-to-live checklist, run for you (see docs/deployment.md)."""

from hikyuu_live.doctor.checks import Check, CheckResult, Status, run_checks

__all__ = ["Check", "CheckResult", "Status", "run_checks"]
