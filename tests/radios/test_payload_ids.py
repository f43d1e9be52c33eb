"""Payload ids carry deduplication: they must never repeat, whoever seeds ``random`` and whoever forks."""

import os
import random

from radios.payload import new_id


def test_seeding_the_global_random_does_not_repeat_ids():
    random.seed(7)
    first = new_id()
    random.seed(7)
    assert new_id() != first
    assert len(first) == 32 and int(first, 16) >= 0


def test_a_forked_child_does_not_repeat_its_parents_next_id():
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its first id after the fork
        os.write(write_end, new_id().encode())
        os._exit(0)
    os.close(write_end)
    parent_next = new_id()  # what the child would have made had it inherited the generator as it was
    child_first = os.read(read_end, 64).decode()
    os.close(read_end)
    os.waitpid(pid, 0)
    assert len(child_first) == 32 and child_first != parent_next


def test_ten_thousand_ids_are_distinct():
    assert len({new_id() for _ in range(10_000)}) == 10_000
