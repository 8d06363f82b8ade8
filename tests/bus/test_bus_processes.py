"""Publisher and subscriber in separate processes over real IPC and TCP sockets."""

from __future__ import annotations

import time

import numpy as np

from hikyuu_live.bus import QuotePublisher, SpotSubscriber
from tests.spot_factory import make_spots


def test_every_spot_arrives_with_its_values(address, recorder, spawn_publisher):
    with SpotSubscriber(address, on_cycle=recorder.on_cycle, on_batch=recorder.on_batch) as sub:
        p = spawn_publisher("--address", address, "--cycles", "3", "--spots", "250", "--batch", "60")
        cycles = recorder.wait_cycles(3)
        assert p.wait(20) == 0
    for k, c in enumerate(cycles, start=1):
        assert c.complete and c.closed_by == "count" and c.msg_count == 5 and c.source == "child"
        np.testing.assert_array_equal(c.spots, make_spots(250, seed=k))
        assert 0 < c.latency_s < 5
    assert sub.stats.gaps == 0 and sub.stats.lost_cycles == 0 and sub.stats.decode_errors == {}
    latest = sub.latest()
    sent = [make_spots(250, seed=k) for k in (1, 2, 3)]
    keys = {m + c for s in sent for m, c in zip(s["market"], s["code"], strict=True)}
    assert len(latest) == len(keys)
    by_key = {m + c: row for m, c, row in zip(latest["market"], latest["code"], latest, strict=True)}
    for row in sent[2]:  # the newest cycle wins
        assert by_key[row["market"] + row["code"]] == row
    assert len(recorder.batches) == 15


def test_subscriber_joining_mid_cycle_recovers_the_rest(address, recorder, spawn_publisher, tmp_path):
    # the publisher waits for a first subscriber (a plain one), then sends slowly; ours joins late
    first = SpotSubscriber(address).start()
    try:
        p = spawn_publisher("--address", address, "--cycles", "3", "--spots", "300", "--batch", "30",
                            "--mode", "slow", "--interval", "0.1")
        assert p.stdout.readline().startswith("session")
        time.sleep(0.45)  # a few messages of cycle 1 are gone already
        with SpotSubscriber(address, on_cycle=recorder.on_cycle) as sub:
            cycles = recorder.wait_cycles(3)
            assert p.wait(30) == 0
    finally:
        first.stop()
    c1 = cycles[0]
    assert c1.cycle_id == 1 and c1.recovered and not c1.complete and c1.missing_seqs[:1] == [0]
    assert 0 < len(c1.spots) < 300
    assert all(c.complete and not c.recovered for c in cycles[1:])
    np.testing.assert_array_equal(cycles[2].spots, make_spots(300, seed=3))
    assert sub.stats.recovered_cycles == 1


def test_publisher_restart_is_survived(address, recorder, spawn_publisher):
    with SpotSubscriber(address, on_cycle=recorder.on_cycle, reconnect_max_ms=300) as sub:
        p1 = spawn_publisher("--address", address, "--cycles", "2", "--linger", "0.2")
        recorder.wait_cycles(2)
        assert p1.wait(20) == 0
        p2 = spawn_publisher("--address", address, "--cycles", "2", "--linger", "0.2")
        cycles = recorder.wait_cycles(4)
        assert p2.wait(20) == 0
    assert all(c.complete for c in cycles)
    assert [c.cycle_id for c in cycles] == [1, 2, 1, 2]
    assert sub.stats.publisher_restarts == 1 and sub.stats.lost_cycles == 0


def test_dropped_start_marker_is_recovered(address, recorder, spawn_publisher):
    with SpotSubscriber(address, on_cycle=recorder.on_cycle) as sub:
        p = spawn_publisher("--address", address, "--cycles", "3", "--mode", "no_start")
        cycles = recorder.wait_cycles(3)
        assert p.wait(20) == 0
    assert [c.recovered for c in cycles] == [False, True, False]
    assert all(c.complete for c in cycles)
    np.testing.assert_array_equal(cycles[1].spots, make_spots(300, seed=2))
    assert sub.stats.gaps == 0


def test_lost_message_is_reported_as_a_gap(address, recorder, spawn_publisher):
    with SpotSubscriber(address, on_cycle=recorder.on_cycle) as sub:
        p = spawn_publisher("--address", address, "--cycles", "3", "--mode", "skip_seq")
        cycles = recorder.wait_cycles(3)
        assert p.wait(20) == 0
    assert [c.complete for c in cycles] == [True, False, True]
    assert cycles[1].missing_seqs == [1] and len(cycles[1].spots) == 240
    assert sub.stats.gaps == 1


def test_garbage_on_the_topic_is_dropped_and_counted(address, recorder, spawn_publisher):
    with SpotSubscriber(address, on_cycle=recorder.on_cycle) as sub:
        p = spawn_publisher("--address", address, "--cycles", "3", "--mode", "garbage")
        cycles = recorder.wait_cycles(3)
        assert p.wait(20) == 0
    assert all(c.complete for c in cycles)
    assert sum(sub.stats.decode_errors.values()) == 3


def test_heartbeats_keep_an_idle_feed_fresh_and_silence_makes_it_stale(address, spawn_publisher):
    with SpotSubscriber(address, stale_after_s=0.8) as sub:
        p = spawn_publisher("--address", address, "--mode", "idle", "--heartbeat", "0.2", "--linger", "2.5")
        time.sleep(2.0)
        assert sub.is_connected
        assert not sub.is_stale
        assert sub.stats.heartbeats >= 5
        assert p.wait(20) == 0
        time.sleep(1.5)
        assert sub.is_stale


def test_publisher_refuses_an_address_in_use(tmp_path):
    addr = f"ipc://{tmp_path}/x.ipc"
    with QuotePublisher([addr], source="a"):
        second = QuotePublisher([addr], source="b")
        try:
            second.start()
        except Exception as e:  # noqa: BLE001
            assert "cannot listen" in str(e)
        else:
            raise AssertionError("second publisher bound the same address")


def test_publisher_counts_are_exact_when_many_threads_send(tmp_path):
    """A qq cycle is sent by 16 worker threads at once; the counters must not lose increments.

    CPython rarely switches threads inside ``x += 1``, so the stats object here widens that window the
    way a free-threaded build or a preempted thread would: it yields between the read and the write.
    """
    import threading
    import time as clock

    import numpy as np

    from hikyuu_live.model.spot import SPOT_DTYPE

    class Preempted:
        def __init__(self, inner: object) -> None:
            object.__setattr__(self, "_inner", inner)

        def __getattr__(self, name: str) -> object:
            return getattr(self._inner, name)

        def __setattr__(self, name: str, value: object) -> None:
            clock.sleep(0)  # another sender runs between this thread's read and its write
            setattr(self._inner, name, value)

    threads, per_thread = 8, 200
    with QuotePublisher([f"ipc://{tmp_path}/count.ipc"], source="t", heartbeat_interval_s=0) as pub:
        pub.stats = Preempted(pub.stats)
        cyc = pub.open_cycle(threads * per_thread)
        empty = np.zeros(0, dtype=SPOT_DTYPE)
        workers = [threading.Thread(target=lambda: [cyc.send(empty) for _ in range(per_thread)])
                   for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        cyc.close()
        assert pub.stats.messages == threads * per_thread + 2  # + start and end markers
        assert pub.stats.cycles == 1
