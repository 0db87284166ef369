"""What the cores allow P-10 (`practice.composition.bench.cpu`): the ceiling and the /proc
texts it is read from."""

import pytest

from practice.composition.bench.cpu import Split, busy_ticks, ceiling, process_ticks

# /proc/stat: user nice system idle iowait irq softirq steal guest guest_nice
STAT = "cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 50 2 25 500 10 1 1 0 0 0\nintr 1 2 3\n"


def test_busy_ticks_count_the_cores_work_and_leave_out_idle_disk_waits_and_stolen_time() -> None:
    assert busy_ticks(STAT) == 100 + 5 + 50 + 3 + 2


def test_process_ticks_are_user_plus_system_time_with_the_parent_even_for_odd_names() -> None:
    fields = ["S", "41"] + ["0"] * 9 + ["700", "300"] + ["0"] * 30
    text = "4242 (python3 (uvicorn) a b) " + " ".join(fields)

    assert process_ticks(text) == (41, 1000)


def test_one_web_process_that_leaves_half_a_core_to_the_rest_caps_four_on_two_cores() -> None:
    # Measured on this machine, one process: 0.99 of a core for the web, 0.47 for the rest.
    found = ceiling(Split(web=0.99, rest=0.47), cores=2, processes=4)

    assert found == pytest.approx(1.37, abs=0.01)


def test_with_cores_to_spare_the_processes_themselves_are_the_bound() -> None:
    assert ceiling(Split(web=0.9, rest=0.1), cores=16, processes=4) == pytest.approx(4 / 0.9)


def test_a_server_that_did_no_work_gives_no_ceiling() -> None:
    assert ceiling(Split(web=0.0, rest=1.5), cores=2, processes=4) is None
