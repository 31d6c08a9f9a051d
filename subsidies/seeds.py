"""The programmes of the seeds as plain data (standards.md §5, pools-and-programmes.md), with each
parameter's provenance. Values the policy text did not give are proposed defaults marked "P" and
said so on every page; the demo (subsidies/demo.py) and the tests read them from here."""

from __future__ import annotations


def v(value, source: str, confidence: str = "V") -> dict:
    return {"value": value, "source": source, "confidence": confidence}


NOT_FOUND = "政策原文未找到，暂定值（待主管部门确认）"

PROGRAMMES: tuple[dict, ...] = (
    {
        "code": "dg-post-hoc-reward",
        "name": "东莞市数字化转型事后奖补",
        "instrument": "post_hoc_reward",
        "issuing_body": "东莞市工业和信息化局",
        "region": "441900",
        "document_number": "东府〔2022〕号（数字经济一号文）",
        "document_title": "关于推动数字经济高质量发展的政策措施",
        "budget_total": "50000000.00",
        "districts": {"441900119": "8000000.00", "441900106": "6000000.00", "441900401": "6000000.00"},
        "params": {
            "bands": v([{"lower": "0", "upper": None, "rate": "0.20", "cap": "50000000"}],
                       "省级技术改造支持：不超过设备购置额20%，上限5000万元（standards.md §5.1）；事后奖补比例按[P]建模", "S"),
        },
        "conditions": [
            {"kind": "region", "values": ["441900"]},
            {"kind": "above_scale"},
            {"kind": "min_level", "standard": "sme-2024", "level": "L2"},
            {"kind": "recent_diagnosis", "months": 12},
            {"kind": "once_per_year"},
        ],
    },
    {
        "code": "dg-cloud-voucher",
        "name": "东莞市工业企业上云上平台服务券",
        "instrument": "cloud_voucher",
        "issuing_body": "东莞市工业和信息化局",
        "region": "441900",
        "document_number": "粤工信工业互联网函〔2019〕1553号",
        "document_title": "广东省工业企业上云上平台服务券奖补工作方案",
        "budget_total": "10000000.00",
        "districts": {},
        "params": {
            "share": v("0.50", NOT_FOUND, "P"),
            "cap": v("100000", NOT_FOUND, "P"),
            "min_spend": v("0", NOT_FOUND, "P"),
            "per_enterprise": v(1, "不得重复申领（2020年度方案）", "V"),
        },
        "conditions": [
            {"kind": "region", "values": ["441900"]},
            {"kind": "min_age", "years": 1},
            {"kind": "pool_provider"},
            {"kind": "once_per_enterprise"},
        ],
    },
    {
        "code": "sz-service-voucher",
        "name": "深圳市中小企业数字化转型服务券",
        "instrument": "service_voucher",
        "issuing_body": "深圳市工业和信息化局",
        "region": "440300",
        "document_number": "深工信〔2024〕号（待补）",
        "document_title": "深圳市中小企业数字化转型城市试点服务券实施细则",
        "budget_total": "20000000.00",
        "districts": {"440309": "5000000.00", "440306": "5000000.00", "440310": "3000000.00"},
        "params": {
            "share": v("0.30", "山东创新券：服务价格的30%（pools-and-programmes.md，参照）", "S"),
            "cap": v("100000", "山东创新券：单张上限10万元（参照）", "S"),
            "per_enterprise": v(1, "每家企业限一张（参照山东创新券）", "S"),
        },
        "conditions": [
            {"kind": "region", "values": ["440300"]},
            {"kind": "recent_diagnosis", "months": 12},
            {"kind": "pool_provider"},
            {"kind": "once_per_enterprise"},
        ],
    },
    {
        "code": "sz-interest-subsidy",
        "name": "深圳市数字化转型贷款贴息",
        "instrument": "interest_subsidy",
        "issuing_body": "深圳市工业和信息化局",
        "region": "440300",
        "document_number": "深工信〔2024〕号（待补）",
        "document_title": "深圳市数字化转型项目贷款贴息实施细则",
        "budget_total": "30000000.00",
        "districts": {},
        "params": {
            "first_year_share": v("0.50", "种子材料：深圳贷款贴息最高50%", "S"),
            "yearly_decline": v("0", NOT_FOUND, "P"),
            "term_years": v(3, NOT_FOUND, "P"),
            "cap": v("1000000", "参照江门政银保：每家企业上限100万元", "S"),
        },
        "conditions": [
            {"kind": "region", "values": ["440300"]},
            {"kind": "above_scale"},
            {"kind": "recent_diagnosis", "months": 12},
            {"kind": "attestation", "text": "贷款用于已备案的数字化转型项目"},
        ],
    },
    {
        "code": "cs-open-call",
        "name": "长沙经开区数字化转型揭榜挂帅",
        "instrument": "open_call",
        "issuing_body": "长沙经济技术开发区管理委员会",
        "region": "430100",
        "document_number": "长经开〔2024〕号（待补）",
        "document_title": "长沙经开区数字化转型揭榜挂帅项目实施办法",
        "budget_total": "28000000.00",
        "districts": {"430121": "28000000.00"},
        "params": {
            "rate": v("0.30", NOT_FOUND, "P"),
            "cap": v("2000000", NOT_FOUND, "P"),
            "milestones": v([
                {"code": "contract", "label": "签订揭榜任务书", "share": "0.30"},
                {"code": "midterm", "label": "中期评估", "share": "0.30"},
                {"code": "acceptance", "label": "验收（专家评审与客观评价报告）", "share": "0.40"},
            ], "分批与验收流程见种子003；各期比例" + NOT_FOUND, "P"),
        },
        "conditions": [
            {"kind": "region", "values": ["430100"]},
            {"kind": "industry", "values": ["C"]},
            {"kind": "attestation", "text": "项目响应已发布的榜单任务"},
        ],
    },
    {
        "code": "ps-cmmm-level-reward",
        "name": "坪山区智能制造能力成熟度等级奖励",
        "instrument": "level_reward",
        "issuing_body": "深圳市坪山区工业和信息化局",
        "region": "440310",
        "document_number": "坪工信〔2023〕号（待补）",
        "document_title": "坪山区促进智能制造发展若干措施",
        "budget_total": "15000000.00",
        "districts": {},
        "params": {
            "standard": v("gbt39116-2020", "CMMM（GB/T 39116-2020）等级", "V"),
            "levels": v([{"level": "L5", "amount": "5000000"}, {"level": "L4", "amount": "3000000"},
                         {"level": "L3", "amount": "1000000"}],
                        "坪山：五级500万、四级300万、三级100万，升级后补差额", "V"),
        },
        "conditions": [
            {"kind": "region", "values": ["440310"]},
            {"kind": "min_level", "standard": "gbt39116-2020", "level": "L3"},
        ],
    },
    {
        "code": "lh-equipment-upgrade",
        "name": "龙华区设备更新改造支持",
        "instrument": "post_hoc_reward",
        "issuing_body": "深圳市龙华区工业和信息化局",
        "region": "440309",
        "document_number": "龙华〔2024〕号（待补）",
        "document_title": "龙华区2024年设备更新改造扶持措施",
        "budget_total": "60000000.00",
        "districts": {},
        "params": {
            "bands": v([
                {"lower": "0", "upper": "10000000", "rate": "0.20", "cap": None},
                {"lower": "10000000", "upper": "200000000", "rate": "0.30", "cap": "5000000"},
                {"lower": "200000000", "upper": None, "rate": "0.05", "cap": "30000000"},
            ], "龙华2024设备更新：<1000万20%；1000万–2亿30%封顶500万；2亿以上5%封顶3000万", "V"),
        },
        "conditions": [
            {"kind": "region", "values": ["440309"]},
            {"kind": "above_scale"},
            {"kind": "attestation", "text": "项目已纳入区工业投资统计"},
        ],
    },
)


def seed(code: str) -> dict:
    return next(p for p in PROGRAMMES if p["code"] == code)
