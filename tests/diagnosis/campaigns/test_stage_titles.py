"""The coverage stages read as stages in Chinese: "Registered" as a stage (已注册) is not the
registration-date column title that shares its English msgid (注册时间)."""

from django.utils import translation
from django.utils.translation import gettext

from diagnosis.campaigns import selectors


def test_stage_titles_in_chinese_are_stages():
    with translation.override("zh-hans"):
        titles = {key: str(title) for key, title in selectors.STAGES}
        assert titles == {"invited": "已邀请", "registered": "已注册", "started": "已开始填报",
                          "submitted": "已提交", "approved": "审核通过"}
        assert gettext("Registered") == "注册时间"  # the date column keeps its own wording


def test_stage_titles_in_english_are_unchanged():
    with translation.override("en"):
        assert [str(title) for _key, title in selectors.STAGES] == [
            "Invited", "Registered", "Started", "Submitted", "Approved"]
