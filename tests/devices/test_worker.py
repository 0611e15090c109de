"""The device thread: ordering, cancellation, errors, dispatch."""
from __future__ import annotations

import threading
import time

import pytest

from teller.devices.errors import Cancelled, DeviceError, MediaJam
from teller.devices.prompts import ConsolePrompts, RecordingPrompts, ask, prompt_text
from teller.devices.worker import DeviceWorker


@pytest.fixture
def worker():
    w = DeviceWorker()
    w.start()
    yield w
    w.stop()


def wait_for_cancel(cancel: threading.Event) -> str:
    # The shape of a driver waiting for media: poll, and give up when asked.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if cancel.wait(0.01):
            raise Cancelled()
    return "timed out"


def test_jobs_run_in_order_on_one_thread(worker):
    # GIVEN a started worker
    seen: list[tuple[int, str]] = []
    # WHEN three jobs are submitted
    jobs = [worker.submit(lambda i=i: seen.append((i, threading.current_thread().name)) or i)
            for i in range(3)]
    # THEN they run in submission order, all on the device thread, and return their results
    assert [j.wait(2) for j in jobs] == [0, 1, 2]
    assert [i for i, _ in seen] == [0, 1, 2]
    assert {name for _, name in seen} == {"devices"}


def test_cancel_a_waiting_job_raises_cancelled_and_calls_on_error(worker):
    # GIVEN a job waiting for the customer, with callbacks
    started = threading.Event()
    errors: list[BaseException] = []
    done: list[object] = []

    def waiting(cancel):
        started.set()
        return wait_for_cancel(cancel)

    job = worker.submit(waiting, cancellable=True, on_done=done.append, on_error=errors.append)
    assert started.wait(2)
    # WHEN the teller cancels
    job.cancel()
    # THEN the job ends with Cancelled, on_error got it, on_done did not run
    with pytest.raises(Cancelled):
        job.wait(2)
    assert len(errors) == 1 and isinstance(errors[0], Cancelled)
    assert errors[0].message == "操作已取消"
    assert done == []


def test_a_job_cancelled_before_it_starts_never_runs(worker):
    # GIVEN a long job occupying the thread and a second one queued behind it
    gate = threading.Event()
    ran: list[str] = []
    first = worker.submit(gate.wait, 5)
    second = worker.submit(ran.append, "second")
    # WHEN the queued job is cancelled and the first one finishes
    second.cancel()
    gate.set()
    first.wait(2)
    # THEN the second never ran and reports Cancelled
    with pytest.raises(Cancelled):
        second.wait(2)
    assert ran == []


def test_worker_keeps_running_after_driver_errors(worker):
    # GIVEN a driver that raises a typed error and one with a plain bug
    def jam():
        raise MediaJam()

    def bug():
        return {}["missing"]

    # WHEN both run
    errs: list[DeviceError] = []
    worker.submit(jam, on_error=errs.append)
    bug_job = worker.submit(bug, on_error=errs.append)
    with pytest.raises(DeviceError) as info:
        bug_job.wait(2)
    # THEN the typed error arrives as is, the bug arrives wrapped with its cause,
    # and the thread still serves the next job
    assert isinstance(errs[0], MediaJam)
    assert type(errs[1]) is DeviceError and isinstance(info.value.__cause__, KeyError)
    assert worker.call(lambda: 42, timeout=2) == 42
    assert worker.running


def test_callbacks_go_through_dispatch():
    # GIVEN a worker whose dispatch queues callbacks (as a GUI event loop would)
    posted: list = []
    w = DeviceWorker(dispatch=posted.append)
    w.start()
    try:
        results: list = []
        job = w.submit(lambda: "ok", on_done=results.append)
        job.wait(2)
        # THEN the callback did not run on the worker; it ran when the "GUI" drained its queue
        time.sleep(0.05)
        assert results == []
        assert len(posted) == 1
        posted.pop()()
        assert results == ["ok"]
    finally:
        w.stop()


def test_a_failing_callback_does_not_kill_the_thread(worker):
    # GIVEN an on_done callback that raises
    def bad_callback(_):
        raise RuntimeError("GUI bug")

    worker.submit(lambda: 1, on_done=bad_callback).wait(2)
    # THEN later jobs still run
    assert worker.call(lambda: "alive", timeout=2) == "alive"


def test_stop_cancels_the_running_job_and_rejects_queued_ones():
    # GIVEN a worker busy with a cancellable wait and another job queued
    w = DeviceWorker()
    w.start()
    started = threading.Event()

    def waiting(cancel):
        started.set()
        return wait_for_cancel(cancel)

    running = w.submit(waiting, cancellable=True)
    queued = w.submit(lambda: "never")
    assert started.wait(2)
    # WHEN the worker stops
    t0 = time.monotonic()
    w.stop()
    # THEN it stopped promptly, the running job was cancelled, the queued one too
    assert time.monotonic() - t0 < 2
    with pytest.raises(Cancelled):
        running.wait(1)
    with pytest.raises(Cancelled):
        queued.wait(1)
    assert not w.running
    # AND a job submitted after stop is rejected at once instead of hanging
    with pytest.raises(DeviceError):
        w.submit(lambda: 1).wait(1)


def test_prompts_catalogue_and_recording():
    # GIVEN a recording prompt handler
    p = RecordingPrompts()
    # WHEN a driver asks for a page turn and then clears
    ask(p, "turn_page", n=2)
    ask(None, "insert_passbook")  # no handler: harmless
    p.clear()
    # THEN the text was formatted from the catalogue, in both languages
    assert p.shown == [("turn_page", "请翻到第2页后重新插入")]
    assert p.current is None and p.cleared == 1
    assert prompt_text("pin_entry") == "请客户在密码键盘上输入密码"
    assert prompt_text("turn_page", lang="en", n=3) == "Turn to page 3 and insert the passbook again"


def test_console_prompts_print_key_and_text(capsys):
    ConsolePrompts().show("remove_card", "请取卡")
    assert "[remove_card] 请取卡" in capsys.readouterr().err
