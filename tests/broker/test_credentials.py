"""Broker credentials reach the login request and nothing else: not logs, errors, repr or saved state."""

from __future__ import annotations

import json
import logging
import pickle
from datetime import datetime

import pytest

from hikyuu_live.clock import EXCHANGE_TZ, FakeClock
from hikyuu_live.errors import BrokerError
from hikyuu_live.strategy.broker.easytrader import EasyTraderBroker
from hikyuu_live.strategy.broker.secrets import Secret, redact, secret_from
from tests.standins.easytrader_server import EasyTraderServer, FakeTrader

USER, PASSWORD, COMM = "3100998877", "s3cr3t-PW!", "c0mm-9911"
SECRETS = (USER, PASSWORD, COMM)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 3, 3, 10, 0, tzinfo=EXCHANGE_TZ))


SERVER_SIDE = ("easytrader", "werkzeug")  # the Flask app's own loggers: they run on the Windows box in production


def client_log(caplog) -> str:
    """Everything the client side (hikyuu_live, requests, urllib3) logged, with arguments."""
    records = [r for r in caplog.records if not r.name.startswith(SERVER_SIDE)]
    assert records
    return "".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in records)


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_credentials_from_env_log_in_and_never_leak(tmp_path, clock, caplog):
    trader = FakeTrader(password=PASSWORD, now=clock.now)
    env = {"HIKYUU_BROKER_USER": USER, "HIKYUU_BROKER_PASSWORD": PASSWORD, "HIKYUU_BROKER_COMM_PASSWORD": COMM}
    journal = tmp_path / "et.json"
    with EasyTraderServer(trader) as srv, caplog.at_level(logging.DEBUG):
        b = EasyTraderBroker("ht_client", "127.0.0.1", srv.port, clock=clock, env=env, state_path=journal,
                             confirm_wait_s=0.01, confirm_retries=1, quote_source=lambda m, c: (10.0, ""))
        b.wait(b.buy("SH", "600000", 10.0, 100))
        trader.ghost_orders = 1
        b.wait(b.buy("SH", "600000", 10.0, 100))  # an unconfirmed order: logged as an error
        b.get_asset_info()
        b.refresh()
        errors = []
        srv.faults.drop_before = 99
        errors.append(repr(b.wait(b.buy("SH", "600000", 10.0, 100))))
        b.close()
    assert trader.prepare_calls == [{"user": USER, "password": PASSWORD, "comm_password": COMM}]  # really sent
    assert caplog.records and any(r.levelno >= logging.ERROR for r in caplog.records)
    assert_clean(client_log(caplog))
    assert_clean(repr(b) + str(b) + repr(vars(b) if hasattr(b, "__dict__") else "") + "".join(errors))
    assert_clean(journal.read_text(encoding="utf-8"))
    assert_clean(json.dumps([o.to_dict() for o in b.orders()], ensure_ascii=False))
    with pytest.raises(TypeError):
        pickle.dumps(b)


def test_failed_login_error_is_redacted(clock, caplog):
    trader = FakeTrader(password="the-right-one")  # its error message echoes the account and password sent
    with EasyTraderServer(trader) as srv, caplog.at_level(logging.DEBUG):
        b = EasyTraderBroker("ths", "127.0.0.1", srv.port, user=USER, password=PASSWORD, comm_password=COMM,
                             clock=clock, env={}, quote_source=lambda m, c: (10.0, ""))
        with pytest.raises(BrokerError) as info:
            b.cash()
        order = b.wait(b.buy("SH", "600000", 10.0, 100))  # reported as a refusal instead of raising
    text = str(info.value) + repr(info.value) + repr(info.value.args)
    assert "login failed" in text and "***" in text  # the server's reason survives, the secrets do not
    assert_clean(text)
    assert info.value.__cause__ is None and info.value.__context__ is not None  # the raw text is not chained
    assert order.status == "rejected" and "login failed" in order.reason
    assert_clean(order.reason + repr(order) + json.dumps(order.to_dict(), ensure_ascii=False))
    assert trader.buy_calls == 0
    assert_clean(client_log(caplog))


def test_secret_wrapper_hides_its_value_everywhere():
    s = Secret(PASSWORD)
    logged = "%s %r" % (s, s)  # noqa: UP031 - the way logging formats its arguments
    assert (str(s), repr(s), f"{s}", f"{s!r}", logged) == ("***", "Secret('***')", "***", "Secret('***')",
                                                           "*** Secret('***')")
    assert s.reveal() == PASSWORD
    with pytest.raises(TypeError):
        json.dumps({"password": s})
    with pytest.raises(TypeError):
        pickle.dumps(s)
    assert redact(f"bad password {PASSWORD}!", [s, None]) == "bad password ***!"
    assert secret_from(None, "X_PW", {"X_PW": "abc"}).reveal() == "abc"
    assert secret_from("", "X_PW", {}) is None
