"""The unit's state machine, as declared (registry/enums.py): removal and relisting, each from the other state."""

from django.utils import translation

from registry.enums import UNIT_MACHINE


def test_unit_machine_moves():
    with translation.override("zh-hans"):
        table = {a: (set(m.sources), m.target, str(m.label)) for a, m in UNIT_MACHINE.moves.items()}

    assert table == {
        "remove": ({"listed"}, "removed", "已移出名单"),
        "relist": ({"removed"}, "listed", "恢复列入名单"),
    }
