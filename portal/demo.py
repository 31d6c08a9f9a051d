"""Demo data: the documented demo accounts (one per role) and deterministic, realistic enterprises
and providers for demos and load tests. `manage.py seed_demo` drives it; `manage.py demo_totp`
prints the staff accounts' second factor.

The demo accounts share a published password and derive their TOTP secrets from their usernames,
so anybody who reads this file can sign in as them: they are only ever created when
settings.DEMO_MODE is on. The bulk organisations carry no accounts and are safe anywhere.
"""

import hashlib
import math
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import ConsentRecord, Enterprise, Membership, OrgStatus, Provider, Region, User
from portal.privacy.notices import current as current_notice
from portal.reference import REGIONS, section_of_division
from portal.roles import PRIVILEGED_ROLES, MemberRole, StaffRole
from portal.uscc import ALPHABET, check_character

DEMO_PASSWORD = "Demo-Portal-2026!"
DEFAULT_SEED = 2026
BATCH_SIZE = 2000
# Enterprises take org-code slots from the bottom of the space and providers from the top, so the
# two never share a code; these caps keep them apart.
MAX_ENTERPRISES = 10_000_000
MAX_PROVIDERS = 1_000_000
TOTP_DEVICE_NAME = "demo"

# --- Demo accounts ------------------------------------------------------------------------------

# 三员: what each administrator may do in the console is the duty table in portal/roles.py
# (CONSOLE_DUTIES), decided by the staff role alone; the demo administrators hold no Django permissions.


@dataclass(frozen=True)
class DemoAccount:
    """One documented demo sign-in. `membership` is (organisation kind, member role) for the
    organisation personas."""

    username: str
    role_zh: str
    role_en: str
    description: str
    full_name: str
    password: str = DEMO_PASSWORD
    staff_role: str = StaffRole.NONE
    region_code: str | None = None
    is_staff: bool = False
    membership: tuple[str, str] | None = None

    @property
    def privileged(self) -> bool:
        return self.staff_role in PRIVILEGED_ROLES


DEMO_ENTERPRISE_NAME = "深圳市华拓精密制造有限公司"
DEMO_PROVIDER_NAME = "深圳市智联工业互联网科技有限公司"

DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("qiye", "企业用户（负责人）", "Enterprise owner",
                f"{DEMO_ENTERPRISE_NAME}负责人：填报诊断、管理成员", "陈志强",
                membership=("enterprise", MemberRole.OWNER)),
    DemoAccount("qiye_viewer", "企业用户（只读成员）", "Enterprise viewer",
                f"{DEMO_ENTERPRISE_NAME}信息部同事：只能查看", "刘婷",
                membership=("enterprise", MemberRole.VIEWER)),
    DemoAccount("fuwushang", "服务商", "Service provider owner",
                f"{DEMO_PROVIDER_NAME}负责人", "林晓雯",
                membership=("provider", MemberRole.OWNER)),
    DemoAccount("longhua", "区级主管部门", "District bureau staff",
                "龙华区工业和信息化局：查看、审核本区企业", "黄卫东",
                staff_role=StaffRole.DISTRICT, region_code="440309"),
    DemoAccount("shenzhen", "市级主管部门", "City bureau staff",
                "深圳市工业和信息化局：查看全市各区企业", "周敏",
                staff_role=StaffRole.CITY, region_code="440300"),
    DemoAccount("guangdong", "省级主管部门", "Province bureau staff",
                "广东省工业和信息化厅：查看全省各市、区的区域诊断数据", "吴建华",
                staff_role=StaffRole.PROVINCE, region_code="440000"),
    DemoAccount("zhuanjia", "评审专家", "Expert reviewer",
                "数字化转型专家库专家：评审分配给自己的诊断", "李振华",
                staff_role=StaffRole.EXPERT),
    DemoAccount("xitong", "系统管理员", "System administrator",
                "三员之一：管理普通账号与角色、维护区域等基础数据，不看业务数据", "赵磊",
                staff_role=StaffRole.SYSTEM_ADMIN, is_staff=True),
    DemoAccount("anquan", "安全管理员", "Security administrator",
                "三员之一：普通账号的密码与双因素重置、登录锁定", "孙悦",
                staff_role=StaffRole.SECURITY_ADMIN, is_staff=True),
    DemoAccount("shenji", "审计管理员", "Audit administrator",
                "三员之一：只读审计日志", "郑洁",
                staff_role=StaffRole.AUDIT_ADMIN),
)

_ACCOUNTS_BY_USERNAME = {account.username: account for account in DEMO_ACCOUNTS}


def demo_account(username: str) -> DemoAccount | None:
    """The demo account called `username`, or None when it is not one."""
    return _ACCOUNTS_BY_USERNAME.get(username)


def demo_totp_key(username: str) -> str:
    """The hex TOTP secret of a demo staff account: derived from the username, hence public."""
    return hashlib.sha1(f"dx-portal-demo:{username}".encode(), usedforsecurity=False).hexdigest()


def totp_code(device: TOTPDevice, *, at: float) -> str:
    """The zero-padded code `device` expects at Unix time `at`."""
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    clock.time = at
    return f"{clock.token():0{device.digits}d}"


def first_unused_time(device: TOTPDevice, *, now: float) -> float:
    """The earliest moment from `now` whose code the device still accepts: django-otp refuses a
    code of a time step at or before the last one verified (replay protection)."""
    return max(now, float((device.last_t + 1 - device.drift) * device.step + device.t0))


# --- USCCs ---------------------------------------------------------------------------------------

_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_SPACE = 10**8


def _org_code(body: str) -> str:
    """A GB 11714 organisation code: eight body characters and their check character."""
    total = sum(int(ch, 36) * w for ch, w in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def _uscc(region6: str, org_body: str) -> str:
    # 9 = registered by market regulation, 1 = enterprise.
    first17 = f"91{region6}{_org_code(org_body)}"
    return first17 + check_character(first17)


class _OrgCodes:
    """Unique, random-looking organisation-code bodies: slot → (a·slot + b) mod 10⁸ is a bijection
    because a is coprime to 10⁸, so distinct slots give distinct codes without any bookkeeping."""

    def __init__(self, seed: int):
        rng = random.Random(f"org-codes:{seed}")
        self._a = rng.randrange(1, _ORG_SPACE // 10) * 10 + rng.choice((1, 3, 7, 9))
        self._b = rng.randrange(_ORG_SPACE)

    def body(self, slot: int, *, modern: bool) -> str:
        n = (self._a * slot + self._b) % _ORG_SPACE
        if not modern:
            return f"{n:08d}"  # a legacy numeric code, kept when the USCC replaced it in 2015
        chars = []
        for _ in range(6):  # 31⁶ > 10⁸, so this stays injective
            n, digit = divmod(n, len(ALPHABET))
            chars.append(ALPHABET[digit])
        return "MA" + "".join(reversed(chars))


DEMO_ENTERPRISE_USCC = _uscc("440309", "27941563")
DEMO_PROVIDER_USCC = _uscc("440305", "MA5FK2N7")

# --- Regions (plain reference data, so generation needs no database) ---------------------------

_REGION = {seed.code: seed for seed in REGIONS}


def _ancestor(code: str, level: str):
    seed = _REGION[code]
    while seed.level != level:
        seed = _REGION[seed.parent]
    return seed


def _name_prefix(code: str) -> str:
    """How a company name starts: its city, or a county-level city such as 浏阳市."""
    seed = _REGION[code]
    return seed.name if seed.level == "district" and seed.name.endswith("市") else _ancestor(code, "city").name


def _uscc_region(code: str) -> str:
    """The six-digit GB/T 2260 code in a USCC: the district's, or the city's where the district
    has none of its own (Dongguan's towns)."""
    seed = _REGION[code]
    return code if seed.official and len(code) == 6 else _ancestor(code, "city").code


_PARKS = {seed.parent: seed.code for seed in REGIONS if seed.level == "park"}

# --- Vocabulary ----------------------------------------------------------------------------------

_BRAND_FIRST = "华锐恒鑫盛宏泰创联信瑞丰嘉新宇腾博昌隆天海金通明德安佳汇永兴荣富凯晟鼎铭捷众迅远欣卓诚志高精宝中万伟康顺达立拓科力龙美冠峰东"
_BRAND_SECOND = "拓立达盛泰源丰科创信华通鑫辉茂邦能威讯智赛维诺捷弘发宸尔美嘉翔驰耀光锋业宏基晖扬元昊朗航安德润迪旺伟兴"

_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许邓冯韩曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈"
             "任姚卢钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严赖覃洪武莫孔")
_SURNAME_WEIGHTS = tuple(1 / (rank + 4) for rank in range(len(_SURNAMES)))  # a rough Zipf tail
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华建文辉玲红鹏飞宇浩凯晨欣婷雪琳晓志国斌峰波俊丹海亮宁倩颖佳思梓睿航泽瑞嘉璐鑫阳旭雯慧博"
_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                    "155", "156", "157", "158", "159", "166", "176", "177", "180", "181", "182", "183", "185",
                    "186", "187", "188", "189", "191", "198", "199")

# Division → (name word, strategic cluster, industry chain), so a name, its cluster and its chain
# always agree. Clusters follow 粤府〔2020〕82号; "" where no cluster fits.
_DIVISION_WORDS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "13": (("食品", "agri_food", "食品饮料"), ("粮油", "agri_food", "粮油加工"), ("农产品", "agri_food", "")),
    "14": (("食品", "agri_food", "食品饮料"), ("食品科技", "agri_food", "食品饮料"), ("烘焙食品", "agri_food", "")),
    "15": (("饮料", "agri_food", "食品饮料"), ("茶业", "agri_food", ""), ("酒业", "agri_food", "")),
    "17": (("纺织", "light_textile", "纺织服装"), ("织造", "light_textile", "纺织服装"),
           ("毛织", "light_textile", "毛织服装"), ("印染", "light_textile", "纺织服装")),
    "18": (("服饰", "light_textile", "纺织服装"), ("制衣", "light_textile", "纺织服装"),
           ("时装", "light_textile", "纺织服装")),
    "19": (("鞋业", "light_textile", "鞋服"), ("皮具", "light_textile", "皮革皮具")),
    "20": (("木业", "light_textile", "家居建材"),),
    "21": (("家具", "light_textile", "家居建材"), ("家居", "light_textile", "家居建材")),
    "22": (("纸业", "light_textile", "造纸包装"), ("包装材料", "light_textile", "造纸包装")),
    "23": (("印刷", "light_textile", "造纸包装"), ("包装印刷", "light_textile", "造纸包装")),
    "24": (("文具", "light_textile", ""), ("玩具", "light_textile", "玩具"), ("体育用品", "light_textile", ""),
           ("工艺品", "digital_creative", "")),
    "25": (("能源科技", "petrochem", ""),),
    "26": (("化工", "petrochem", "精细化工"), ("新材料", "advanced_materials", "新材料"),
           ("涂料", "petrochem", "精细化工"), ("精细化工", "petrochem", "精细化工")),
    "27": (("医药", "biomedicine", "生物医药"), ("生物科技", "biomedicine", "生物医药"),
           ("制药", "biomedicine", "生物医药")),
    "28": (("化纤", "advanced_materials", "新材料"),),
    "29": (("塑胶", "advanced_materials", ""), ("塑料制品", "advanced_materials", ""),
           ("橡胶制品", "advanced_materials", ""), ("硅胶制品", "advanced_materials", "")),
    "30": (("陶瓷", "advanced_materials", "家居建材"), ("玻璃", "advanced_materials", ""),
           ("建材", "advanced_materials", "家居建材")),
    "31": (("特钢", "advanced_materials", "钢铁"),),
    "32": (("铝业", "advanced_materials", "有色金属"), ("铜业", "advanced_materials", "有色金属"),
           ("合金材料", "frontier_materials", "新材料")),
    "33": (("五金", "light_textile", "五金制品"), ("五金制品", "light_textile", "五金制品"),
           ("精密五金", "high_end_equipment", "五金制品"), ("金属制品", "advanced_materials", ""),
           ("压铸", "advanced_materials", "汽车零部件"), ("钣金", "high_end_equipment", "")),
    "34": (("机械", "high_end_equipment", "通用机械"), ("精密机械", "high_end_equipment", "通用机械"),
           ("自动化设备", "robotics", "智能装备"), ("液压", "high_end_equipment", "工程机械"),
           ("轴承", "high_end_equipment", "通用机械"), ("机器人", "robotics", "工业机器人")),
    "35": (("模具", "high_end_equipment", "模具"), ("精密模具", "high_end_equipment", "模具"),
           ("智能装备", "high_end_equipment", "智能装备"), ("激光设备", "laser_additive", "激光装备"),
           ("工程机械", "high_end_equipment", "工程机械"), ("医疗器械", "biomedicine", "医疗器械"),
           ("环保设备", "safety_environment", "节能环保")),
    "36": (("汽车零部件", "automotive", "汽车零部件"), ("汽车电子", "automotive", "新能源汽车"),
           ("汽车配件", "automotive", "汽车零部件"), ("新能源汽车科技", "automotive", "新能源汽车")),
    "37": (("船舶", "high_end_equipment", ""), ("航空科技", "high_end_equipment", "航空航天"),
           ("轨道交通装备", "high_end_equipment", "轨道交通"), ("无人机", "high_end_equipment", "无人机")),
    "38": (("电器", "appliances", "智能家电"), ("家电", "appliances", "智能家电"),
           ("电池", "new_energy", "锂电池"), ("新能源科技", "new_energy", "储能"),
           ("电机", "high_end_equipment", ""), ("电源", "electronics", "消费电子"), ("照明科技", "", "")),
    "39": (("电子", "electronics", "消费电子"), ("电子科技", "electronics", "消费电子"),
           ("精密电子", "electronics", "消费电子"), ("通信", "electronics", "通信设备"),
           ("智能科技", "electronics", "智能终端"), ("光电", "uhd_display", "新型显示"),
           ("显示科技", "uhd_display", "新型显示"), ("半导体", "semiconductors", "集成电路"),
           ("微电子", "semiconductors", "集成电路"), ("电路科技", "electronics", "印制电路板")),
    "40": (("仪器", "precision_instruments", "精密仪器"), ("仪表", "precision_instruments", "精密仪器"),
           ("测控技术", "precision_instruments", "精密仪器"), ("检测设备", "precision_instruments", "")),
    "41": (("实业", "", ""), ("工艺制品", "", "")),
    "42": (("再生资源", "safety_environment", "节能环保"), ("环保科技", "safety_environment", "节能环保")),
    "43": (("设备维修", "high_end_equipment", ""), ("机电工程", "high_end_equipment", "")),
    "44": (("能源", "new_energy", "光伏"), ("电力", "new_energy", "储能")),
    "64": (("互联网科技", "software", ""),),
    "65": (("软件技术", "software", "工业软件"), ("信息科技", "software", "工业软件"),
           ("数字科技", "digital_creative", "")),
    "73": (("技术研究院", "", ""),),
    "74": (("检测技术", "safety_environment", ""), ("工程技术", "", "")),
    "75": (("科技服务", "", ""),),
}

# Mostly manufacturing, led by electronics, electrical, general and special equipment, metal and
# plastics, as in the source reports' district surveys.
_DIVISION_WEIGHTS: dict[str, float] = {
    "39": 20, "38": 12, "34": 10, "35": 10, "33": 9, "29": 7, "36": 5, "26": 3, "40": 3, "30": 2, "32": 2,
    "27": 2, "18": 2, "24": 2, "17": 1.5, "21": 1.5, "22": 1.5, "23": 1.5, "13": 1, "14": 1, "19": 1,
    "37": 1, "41": 0.8, "43": 0.8, "15": 0.5, "42": 0.5, "20": 0.3, "31": 0.3, "28": 0.2, "25": 0.1,
    "44": 0.3, "65": 1, "64": 0.4, "74": 0.6, "73": 0.3, "75": 0.3,
}

# District → (share of enterprises, division boosts): local specialisations from the source
# reports (moulds in 长安/横沥, electronics in 松山湖 and 龙华, knitwear in 大朗, apparel in 虎门,
# construction machinery and cars in 长沙县, fireworks chemicals and medicine in 浏阳).
_ENTERPRISE_REGIONS: dict[str, tuple[float, dict[str, float]]] = {
    "440309": (18, {"39": 2.0, "38": 1.3}),
    "440306": (18, {"39": 1.5, "33": 1.3, "34": 1.2, "29": 1.2}),
    "440307": (8, {"39": 1.8}),
    "440311": (5, {"39": 1.3, "26": 1.5, "38": 1.3}),
    "440310": (4, {"36": 3.0, "27": 3.0, "38": 1.5}),
    "440305": (4, {"39": 1.5, "65": 6, "64": 4, "40": 2}),
    "440304": (1, {"65": 6, "64": 4, "74": 4}),
    "440303": (1, {"24": 4}),
    "440308": (0.5, {}),
    "441900119": (10, {"35": 3.0, "33": 2.0, "39": 1.2}),
    "441900106": (8, {"35": 3.5, "33": 2.0}),
    "441900401": (7, {"39": 2.5, "40": 2, "27": 1.5, "65": 2}),
    "441900003": (2, {"65": 2}),
    "441900004": (2, {"65": 2}),
    "441900110": (2, {}),
    "441900113": (2, {"17": 8, "18": 4}),
    "441900116": (2, {}),
    "441900121": (2, {"18": 8}),
    "430121": (9, {"35": 2.5, "36": 2.5, "34": 1.5}),
    "430104": (3, {"65": 3, "40": 1.5, "35": 1.2}),
    "430111": (2, {"34": 1.5, "36": 1.5}),
    "430102": (1, {"13": 2, "14": 2, "65": 2}),
    "430181": (3, {"26": 4, "27": 3, "13": 1.5}),
}

# Providers cluster where software firms do: 南山 first, then the city centres.
_PROVIDER_REGIONS: dict[str, float] = {
    "440305": 12, "440304": 4, "440306": 4, "440309": 4, "440307": 2, "440300": 3, "441900": 3,
    "441900401": 4, "441900003": 2, "430100": 2, "430104": 3, "430121": 2,
}

# Name word → capability area (the provider portrait in docs/sources.md), weighted towards the strong areas.
_PROVIDER_WORDS: tuple[tuple[str, str, float], ...] = (
    ("工业互联网科技", "平台开发", 6), ("工业软件", "软件和模型开发", 5), ("软件", "软件和模型开发", 6),
    ("智能制造技术", "系统集成", 4), ("系统集成", "系统集成", 3), ("物联网技术", "智能硬件产品及服务", 4),
    ("智能硬件", "智能硬件产品及服务", 4), ("信息安全技术", "安全防护", 1), ("网络安全", "安全防护", 1),
    ("企业管理咨询", "数字化咨询", 1), ("数据科技", "数据服务与分析", 3), ("大数据", "数据服务与分析", 2),
    ("云计算", "云服务", 2), ("云科技", "云服务", 2), ("通信技术", "网络与5G", 2), ("5G科技", "网络与5G", 1),
    ("工业应用软件", "工业APP", 2),
)
_CAPABILITIES = ("软件和模型开发", "智能硬件产品及服务", "平台开发", "安全防护", "数字化咨询", "系统集成",
                 "网络与5G", "数据服务与分析", "云服务", "工业APP")
# Provider sectors, led by electronics, power and services as in the Longhua provider survey.
_SERVED = (("电子", 10.6), ("电力", 9.3), ("服务业", 7.9), ("装备制造", 7), ("汽车零部件", 5), ("模具", 5),
           ("五金", 4), ("纺织服装", 3), ("家具", 3), ("食品", 3), ("医药", 3), ("塑胶", 3))

_BAND = Enterprise.RevenueBand
_REVENUE_EMPLOYEES = {  # band → (min, max) headcount, after 工信部联企业〔2011〕300号 size classes
    _BAND.UNDER_3M.value: (3, 50),
    _BAND.FROM_3M.value: (15, 300),
    _BAND.FROM_20M.value: (60, 1000),
    _BAND.OVER_400M.value: (800, 30000),
}
_FOUNDED = {  # band → plausible founding years: the large firms are the old ones
    _BAND.UNDER_3M.value: (2008, 2025),
    _BAND.FROM_3M.value: (1998, 2024),
    _BAND.FROM_20M.value: (1992, 2021),
    _BAND.OVER_400M.value: (1985, 2016),
}
_STATUSES = (OrgStatus.VERIFIED.value, OrgStatus.PENDING.value, OrgStatus.REJECTED.value)
# Verification dates fall in a fixed window, so the same seed yields the same rows on any day.
_VERIFIED_FROM = date(2021, 3, 1)
_VERIFIED_UNTIL = date(2026, 6, 30)


class _Picker:
    """Weighted choice with precomputed cumulative weights (the hot path at 100 000 rows)."""

    def __init__(self, items: Iterable, weights: Iterable[float]):
        self.items = tuple(items)
        self.cum = []
        total = 0.0
        for weight in weights:
            total += weight
            self.cum.append(total)

    def __call__(self, rng: random.Random):
        return rng.choices(self.items, cum_weights=self.cum)[0]


class _Vocabulary:
    """Per-run name, person and phone drawing with de-duplicated company names."""

    def __init__(self, rng: random.Random, taken: Iterable[str]):
        self.rng = rng
        self.seen = set(taken)
        self._surname = _Picker(_SURNAMES, _SURNAME_WEIGHTS)

    def company(self, prefix: str, word: str, suffix: str = "有限公司") -> str:
        rng = self.rng
        for _ in range(20):
            first, second = rng.choice(_BRAND_FIRST), rng.choice(_BRAND_SECOND)
            if first != second:
                name = f"{prefix}{first}{second}{word}{suffix}"
                if name not in self.seen:
                    break
        else:
            # Popular brand-word pairs run out at large N; a third brand character keeps names unique.
            while True:
                brand = rng.choice(_BRAND_FIRST) + rng.choice(_BRAND_SECOND) + rng.choice(_BRAND_SECOND)
                name = f"{prefix}{brand}{word}{suffix}"
                if name not in self.seen:
                    break
        self.seen.add(name)
        return name

    def person(self) -> str:
        given = self.rng.choice(_GIVEN)
        if self.rng.random() < 0.7:
            given += self.rng.choice(_GIVEN)
        return self._surname(self.rng) + given

    def mobile(self) -> str:
        return self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def status_and_date(self, earliest_year: int | None = None) -> tuple[str, datetime | None]:
        status = _STATUS_PICKER(self.rng)
        if status != OrgStatus.VERIFIED.value:
            return status, None
        start = max(_VERIFIED_FROM, date(earliest_year, 1, 1)) if earliest_year else _VERIFIED_FROM
        day = start + timedelta(days=self.rng.randrange((_VERIFIED_UNTIL - start).days + 1))
        moment = datetime(day.year, day.month, day.day, 1, tzinfo=UTC)  # 09:00 in Shanghai
        return status, moment + timedelta(seconds=self.rng.randrange(8 * 3600))


_STATUS_PICKER = _Picker(_STATUSES, (85, 11, 4))
_ENTERPRISE_REGION_PICKER = _Picker(_ENTERPRISE_REGIONS, (w for w, _b in _ENTERPRISE_REGIONS.values()))
_DIVISION_PICKERS = {
    code: _Picker(_DIVISION_WEIGHTS, (w * boosts.get(div, 1) for div, w in _DIVISION_WEIGHTS.items()))
    for code, (_w, boosts) in _ENTERPRISE_REGIONS.items()
}
_PROVIDER_REGION_PICKER = _Picker(_PROVIDER_REGIONS, _PROVIDER_REGIONS.values())
_PROVIDER_WORD_PICKER = _Picker(_PROVIDER_WORDS, (w for _word, _cap, w in _PROVIDER_WORDS))
_SERVED_PICKER = _Picker((name for name, _w in _SERVED), (w for _name, w in _SERVED))


def _log_uniform(rng: random.Random, low: int, high: int) -> int:
    # Headcounts are skewed: many small firms per large one within each size class.
    return min(high, int(math.exp(rng.uniform(math.log(low), math.log(high + 1)))))


def generate_enterprises(count: int, seed: int = DEFAULT_SEED) -> Iterator[dict]:
    """Yield `count` plain enterprise records (model field names; `region_code` and `park_code`
    instead of foreign keys). Deterministic in `seed`, and each record depends only on the ones
    before it, so a larger count extends a smaller one. USCCs and names are unique."""
    if not 0 <= count <= MAX_ENTERPRISES:
        raise ValueError(f"count must be between 0 and {MAX_ENTERPRISES}")
    rng = random.Random(f"enterprises:{seed}")
    codes = _OrgCodes(seed)
    vocabulary = _Vocabulary(rng, taken=(DEMO_ENTERPRISE_NAME, DEMO_PROVIDER_NAME))
    for index in range(count):
        region = _ENTERPRISE_REGION_PICKER(rng)
        division = _DIVISION_PICKERS[region](rng)
        word, cluster, chain = rng.choice(_DIVISION_WORDS[division])
        above_scale = rng.random() < 0.4
        # 规上 means main-business revenue of ¥20 million or more, so the band follows the flag.
        if above_scale:
            band = _BAND.OVER_400M.value if rng.random() < 0.12 else _BAND.FROM_20M.value
        else:
            band = _BAND.FROM_3M.value if rng.random() < 0.6 else _BAND.UNDER_3M.value
        established = rng.randint(*_FOUNDED[band])
        large = band == _BAND.OVER_400M
        suffix = "股份有限公司" if large and rng.random() < 0.4 else "有限公司"
        status, verified_at = vocabulary.status_and_date(established)
        park = _PARKS.get(region) if rng.random() < 0.5 else None
        yield {
            # Firms founded after the 2015 reform carry an "MA…" code; older ones keep their old one.
            "uscc": _uscc(_uscc_region(region), codes.body(index, modern=established >= 2016)),
            "name": vocabulary.company(_name_prefix(region), word, suffix),
            "region_code": region,
            "park_code": park,
            "status": status,
            "verified_at": verified_at,
            "contact_name": vocabulary.person(),
            "contact_phone": vocabulary.mobile(),
            "industry_section": section_of_division(division),
            "industry_division": division,
            "above_scale": above_scale,
            "employees": _log_uniform(rng, *_REVENUE_EMPLOYEES[band]),
            "revenue_band": band,
            "cluster": cluster if rng.random() < 0.9 else "",
            "chain": f"{chain}产业链" if chain and rng.random() < 0.7 else "",
            "established_year": established,
        }


def generate_providers(count: int, seed: int = DEFAULT_SEED) -> Iterator[dict]:
    """Yield `count` plain provider records (model field names, `region_code` for the region),
    deterministic in `seed` like generate_enterprises and with USCCs no enterprise uses."""
    if not 0 <= count <= MAX_PROVIDERS:
        raise ValueError(f"count must be between 0 and {MAX_PROVIDERS}")
    rng = random.Random(f"providers:{seed}")
    codes = _OrgCodes(seed)
    vocabulary = _Vocabulary(rng, taken=(DEMO_ENTERPRISE_NAME, DEMO_PROVIDER_NAME))
    for index in range(count):
        region = _PROVIDER_REGION_PICKER(rng)
        word, capability, _weight = _PROVIDER_WORD_PICKER(rng)
        others = [c for c in _CAPABILITIES if c != capability]
        extra = rng.sample(others, 2)
        served = []
        while len(served) < 3:
            sector = _SERVED_PICKER(rng)
            if sector not in served:
                served.append(sector)
        status, verified_at = vocabulary.status_and_date()
        slot = _ORG_SPACE - 1 - index
        yield {
            "uscc": _uscc(_uscc_region(region), codes.body(slot, modern=rng.random() < 0.6)),
            "name": vocabulary.company(_name_prefix(region), word),
            "region_code": region,
            "status": status,
            "verified_at": verified_at,
            "contact_name": vocabulary.person(),
            "contact_phone": vocabulary.mobile(),
            "description": (f"专注{capability}，兼顾{extra[0]}、{extra[1]}；"
                            f"客户集中在{'、'.join(served)}等行业。"),
            # example.com is reserved (RFC 2606): demo links can never reach a real company.
            "website": f"https://www.provider{index + 1}.example.com" if rng.random() < 0.6 else "",
        }


# --- Writing to the database -------------------------------------------------------------------


@dataclass(frozen=True)
class SeedCounts:
    enterprises_created: int
    providers_created: int
    enterprises_total: int
    providers_total: int


def _batches(records: Iterator[dict], size: int) -> Iterator[list[dict]]:
    while batch := list(islice(records, size)):
        yield batch


def _region_ids(codes: Iterable[str]) -> dict[str, int]:
    wanted = set(codes)
    found = dict(Region.objects.filter(code__in=wanted).values_list("code", "pk"))
    missing = wanted - found.keys()
    if missing:
        raise ImproperlyConfigured(
            f"regions {', '.join(sorted(missing))} are missing: run `manage.py migrate` (portal 0002 loads them)"
        )
    return found


def seed_organisations(*, enterprises: int, providers: int, seed: int = DEFAULT_SEED,
                       batch_size: int = BATCH_SIZE, progress: Callable[[str, int], None] | None = None
                       ) -> SeedCounts:
    """Insert generated enterprises and providers in bulk, skipping USCCs already present, so
    re-running with the same seed adds nothing. No per-row validation: the generator's output is
    checked by the test-suite instead. `progress(kind, rows_done)` is called after each batch."""
    region_ids = _region_ids({*_ENTERPRISE_REGIONS, *_PARKS.values(), *_PROVIDER_REGIONS})
    enterprises_before, providers_before = Enterprise.objects.count(), Provider.objects.count()
    with transaction.atomic():
        done = 0
        for batch in _batches(generate_enterprises(enterprises, seed), batch_size):
            rows = []
            for record in batch:
                region, park = record.pop("region_code"), record.pop("park_code")
                rows.append(Enterprise(region_id=region_ids[region],
                                       park_id=region_ids[park] if park else None, **record))
            Enterprise.objects.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
            done += len(batch)
            if progress:
                progress("enterprises", done)
        done = 0
        for batch in _batches(generate_providers(providers, seed), batch_size):
            rows = [Provider(region_id=region_ids[record.pop("region_code")], **record) for record in batch]
            Provider.objects.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
            done += len(batch)
            if progress:
                progress("providers", done)
    enterprises_total, providers_total = Enterprise.objects.count(), Provider.objects.count()
    return SeedCounts(enterprises_total - enterprises_before, providers_total - providers_before,
                      enterprises_total, providers_total)


_DEMO_ENTERPRISE_FIELDS = {
    "name": DEMO_ENTERPRISE_NAME,
    "status": OrgStatus.VERIFIED,
    "industry_section": "C",
    "industry_division": "39",
    "above_scale": True,
    "employees": 460,
    "revenue_band": Enterprise.RevenueBand.FROM_20M,
    "cluster": "electronics",
    "chain": "消费电子产业链",
    "established_year": 2011,
    "contact_name": "陈志强",
    "contact_phone": "13800138000",
}
_DEMO_PROVIDER_FIELDS = {
    "name": DEMO_PROVIDER_NAME,
    "status": OrgStatus.VERIFIED,
    "contact_name": "林晓雯",
    "contact_phone": "13900139000",
    "description": "专注平台开发，兼顾工业APP、数据服务与分析；客户集中在电子、模具、五金等行业。",
    "website": "https://www.zhilian-iiot.example.com",
}


def _ensure_organisation(model, uscc: str, fields: dict, verified_by: User):
    org = model.objects.filter(uscc=uscc).first() or model(uscc=uscc)
    for name, value in fields.items():
        setattr(org, name, value)
    org.verified_by = verified_by
    org.verified_at = org.verified_at or verified_by.date_joined
    # Hand-written records, few and rarely run: validate them like a form would.
    org.full_clean()
    org.save()
    return org


def _ensure_user(account: DemoAccount, regions: dict[str, Region]) -> User:
    user = User.objects.filter(username=account.username).first() or User(username=account.username)
    user.first_name, user.last_name = account.full_name, ""
    user.email = f"{account.username}@demo.example.com"
    user.staff_role = account.staff_role
    user.region = regions[account.region_code] if account.region_code else None
    user.is_staff = account.is_staff
    user.is_superuser = False
    user.is_active = True  # undo the stale-account job: demo databases sit idle for months
    # Always reset: the password is the documented one, and a fresh password_changed_at keeps the
    # 90-day rotation rule from blocking staff demos.
    user.set_password(account.password)
    user.save()
    user.groups.clear()
    user.user_permissions.clear()  # console rights come from the role (CONSOLE_DUTIES), nothing else
    if account.privileged:
        TOTPDevice.objects.update_or_create(
            user=user, name=TOTP_DEVICE_NAME,
            defaults={"key": demo_totp_key(account.username), "confirmed": True, "step": 30, "t0": 0,
                      "digits": 6, "tolerance": 1, "drift": 0, "throttling_failure_count": 0,
                      "throttling_failure_timestamp": None},
        )
    return user


def ensure_demo_accounts() -> list[User]:
    """Create or restore the demo accounts (DEMO_ACCOUNTS order), their enterprise and provider,
    memberships and the staff TOTP devices. Idempotent: a re-run resets
    passwords, roles and lockouts to the documented state and duplicates nothing.

    Refuses unless settings.DEMO_MODE: the accounts' passwords and second factors are public."""
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("demo accounts are only created when DEMO_MODE is on (their passwords are public)")
    with transaction.atomic():
        regions = {r.code: r for r in Region.objects.filter(code__in={account.region_code for account in DEMO_ACCOUNTS if account.region_code}
                                                          | {"440305", "440309P01"})}
        if len(regions) < 4:
            raise ImproperlyConfigured("the seeded regions are missing: run `manage.py migrate`")
        users = [_ensure_user(account, regions) for account in DEMO_ACCOUNTS]
        # Lift lockouts too: a demo that fat-fingered five passwords must still work. (The portal
        # keeps axes' attempts in the database; axes.utils.reset would log a line per account.)
        AccessAttempt.objects.filter(username__in=[user.username for user in users]).delete()
        by_username = {user.username: user for user in users}
        organisations = {
            "enterprise": _ensure_organisation(
                Enterprise, DEMO_ENTERPRISE_USCC,
                {**_DEMO_ENTERPRISE_FIELDS, "region": regions["440309"], "park": regions["440309P01"]},
                verified_by=by_username["longhua"]),
            "provider": _ensure_organisation(
                Provider, DEMO_PROVIDER_USCC, {**_DEMO_PROVIDER_FIELDS, "region": regions["440305"]},
                verified_by=by_username["shenzhen"]),
        }
        for account, user in zip(DEMO_ACCOUNTS, users, strict=True):
            if account.membership:
                kind, role = account.membership
                Membership.objects.update_or_create(user=user, **{kind: organisations[kind]},
                                                    defaults={"role": role})
                # They registered like anyone else: with the current notice read and agreed to.
                notice = current_notice("registration")
                ConsentRecord.objects.get_or_create(user=user, purpose=notice.purpose, version=notice.version,
                                                    withdrawn_at=None)
    return users


# --- The provider registry (profiles, listings, pools) -------------------------------------------


def seed_registry(*, seed: int = DEFAULT_SEED, progress: Callable[[str, int], None] | None = None):
    """Published profiles for the verified providers (the demo provider's authored by `fuwushang`),
    and the demo pools (created by the city bureau's `shenzhen` account when it exists). The
    generator lives with the registry (providers/demo.py); this is the site wiring that names the
    demo accounts."""
    from providers.demo import seed_registry as seed_provider_registry

    authors = {}
    owner = User.objects.filter(username="fuwushang").first()
    provider = Provider.objects.filter(uscc=DEMO_PROVIDER_USCC).first()
    if owner is not None and provider is not None:
        authors[provider.pk] = owner
    return seed_provider_registry(seed=seed, authors=authors, creator=User.objects.filter(username="shenzhen").first(),
                                  expert=User.objects.filter(username="zhuanjia").first(), progress=progress)


# --- Subsidy programmes --------------------------------------------------------------------------


def seed_subsidies() -> int:
    """The seed programmes with published versions and budget lines (subsidies/demo.py), authored
    by the city bureau's `shenzhen` account when it exists, else the registry's seed author."""
    from providers.demo import seed_user
    from subsidies.demo import seed_programmes

    return seed_programmes(creator=User.objects.filter(username="shenzhen").first() or seed_user())


# --- Leads (contact requests, pipelines, outcome ratings) ----------------------------------------


def seed_leads() -> int:
    """Demo leads in every stage and accepted engagements measured by re-assessment (the generator
    lives with the feature, providers/leads/demo.py), after the registry and the regional data; the
    demo provider (`fuwushang`) gets leads in its inbox when a pool serving Longhua lists it, and
    the demo enterprise (`qiye`) one contact request at the proposal stage."""
    from providers.leads.demo import seed_leads as seed_provider_leads

    provider = Provider.objects.filter(uscc=DEMO_PROVIDER_USCC).first()
    enterprise = Enterprise.objects.filter(uscc=DEMO_ENTERPRISE_USCC).first()
    return seed_provider_leads(featured_provider_id=provider.pk if provider else None,
                               featured_enterprise_id=enterprise.pk if enterprise else None,
                               featured_owner=User.objects.filter(username="qiye").first())

# --- Subsidy applications (issue #11) ---------------------------------------------------------------


def seed_subsidy_applications():
    """Demo subsidy applications in every state for the demo enterprise (subsidies/demo_applications.py),
    handled by the district bureau's `longhua` account, created under the city's `shenzhen` account,
    scored by `zhuanjia`. Needs the demo accounts; returns None without them."""
    from subsidies.demo_applications import seed

    users = {u.username: u for u in User.objects.filter(username__in=("qiye", "longhua", "shenzhen", "zhuanjia"))}
    enterprise = Enterprise.objects.filter(uscc=DEMO_ENTERPRISE_USCC).first()
    if enterprise is None or not {"qiye", "longhua", "shenzhen"} <= set(users):
        return None
    return seed(owner=users["qiye"], enterprise=enterprise, district=users["longhua"], creator=users["shenzhen"],
                expert=users.get("zhuanjia"), provider=Provider.objects.filter(uscc=DEMO_PROVIDER_USCC).first())


# --- Subsidies: vouchers, projects, integrity flags (#11) -----------------------------------------


def seed_subsidy_integrity():
    """Vouchers in every state, projects filed and accepted against a T1, payee accounts and
    integrity flags (subsidies/demo_integrity.py), acted on by the demo bureau accounts. Needs the
    demo accounts, the registry's pools and the regional demo's assessed firms; without them it adds
    nothing."""
    from subsidies.demo_integrity import IntegritySeedCounts, seed_integrity

    city = User.objects.filter(username="shenzhen").first()
    district = User.objects.filter(username="longhua").first()
    if city is None or district is None:
        return IntegritySeedCounts()
    return seed_integrity(city_staff=city, district_staff=district,
                          enterprise_owner=User.objects.filter(username="qiye").first(),
                          demo_enterprise=Enterprise.objects.filter(uscc=DEMO_ENTERPRISE_USCC).first())


def seed_events() -> int:
    """Longhua's matchmaking events (issue #10), created by the district account `longhua`; the
    generator lives with the feature (providers/events/demo.py)."""
    from providers.events.demo import seed_events as seed_match_events

    return seed_match_events(creator=User.objects.filter(username="longhua").first())
