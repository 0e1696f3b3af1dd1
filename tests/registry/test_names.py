"""Names as MIIT prints them: one key for every spelling of one name; a "（原…）" rename kept apart."""

import pytest

from registry.names import clean_name, name_key


@pytest.mark.parametrize(("printed", "stored"), [
    ("广州立白(番禺)有限公司", "广州立白（番禺）有限公司"),
    ("TCL 空调器（中山）有限公司", "TCL空调器（中山）有限公司"),
    (" 日立电梯（中国）有限公司 ", "日立电梯（中国）有限公司"),
    ("ＴＣＬ空调器（中山）有限公司", "TCL空调器（中山）有限公司"),
    ("一汽－大众汽车有限公司佛山分公司", "一汽-大众汽车有限公司佛山分公司"),
    ("一汽—大众汽车有限公司 佛山分公司", "一汽-大众汽车有限公司佛山分公司"),
    ("Johnson  Controls 江森自控", "Johnson Controls江森自控"),
])
def test_names_clean_name_tidies_brackets_spaces_and_width(printed, stored):
    assert clean_name(printed) == (stored, "")


@pytest.mark.parametrize(("printed", "name", "former"), [
    ("深圳市宝能汽车有限公司（原长安标致雪铁龙汽车有限公司）", "深圳市宝能汽车有限公司", "长安标致雪铁龙汽车有限公司"),
    ("深圳市宝能汽车有限公司(原 长安标致雪铁龙汽车有限公司)", "深圳市宝能汽车有限公司", "长安标致雪铁龙汽车有限公司"),
    ("新名称有限公司（原名：旧名称有限公司）", "新名称有限公司", "旧名称有限公司"),
    ("日立电梯（中国）有限公司", "日立电梯（中国）有限公司", ""),  # a bracket that is part of the name
    ("（原旧名称）", "（原旧名称）", ""),  # nothing before the brackets: not a rename
])
def test_names_clean_name_keeps_the_former_name_apart(printed, name, former):
    assert clean_name(printed) == (name, former)


def test_names_every_spelling_shares_one_key():
    spellings = ["TCL空调器（中山）有限公司", "TCL 空调器(中山)有限公司", "tcl空调器（中山）有限公司",
                 "ＴＣＬ空调器 （中山） 有限公司"]
    assert len({name_key(s) for s in spellings}) == 1
    assert name_key("TCL空调器（中山）有限公司") != name_key("TCL空调器（珠海）有限公司")
