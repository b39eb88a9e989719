"""What screens share: made once per interval per process; a costly one (the floor) is made anew beside the
requests, so a poll answers at once with what is at most one drawing old — and a failed drawing loses nothing."""
import time

from kcc.web import polling


def _settled(key, timeout=5.0):
    end = time.monotonic() + timeout
    while key in polling._REFRESHING and time.monotonic() < end:
        time.sleep(0.01)
    assert key not in polling._REFRESHING


def test_a_stale_value_is_answered_while_it_is_made_anew(app):
    made = []

    def make():
        made.append(len(made) + 1)
        return made[-1]

    key = ("test", "stale")
    polling.forget_shared()
    with app.test_request_context("/vloer"):
        assert polling.shared(key, 0.0, make, stale_s=60.0) == 1  # nothing yet: made in the request
        assert polling.shared(key, 0.0, make, stale_s=60.0) == 1  # stale: answered at once, made anew beside it
        _settled(key)
        assert made == [1, 2] and polling.shared(key, 60.0, make, stale_s=60.0) == 2
        assert polling.shared(key, 0.0, make) == 3  # without stale_s every old value is made in the request


def test_a_failed_refresh_keeps_the_last_value(app, caplog):
    key = ("test", "failing")
    polling.forget_shared()

    def fail():
        raise RuntimeError("the database went away")

    with app.test_request_context("/vloer"):
        assert polling.shared(key, 0.0, lambda: "drawn", stale_s=60.0) == "drawn"
        assert polling.shared(key, 0.0, fail, stale_s=60.0) == "drawn"
        _settled(key)
        assert polling.shared(key, 60.0, fail, stale_s=60.0) == "drawn"
    assert "refreshing ('test', 'failing') failed" in caplog.text
