"""Reference taxonomies the portal is built on (plain data, no Django models).

Sources: GB/T 2260 administrative division codes (regions), GB/T 4754-2017 (industries),
粤府〔2020〕82号 20 strategic clusters (clusters), docs/sources.md.
Codes of towns, functional zones and parks that have no GB/T 2260 code use a 9-digit town code
(统计用区划代码) or a "P"-suffixed code of ours; `official` says which.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class RegionSeed:
    code: str
    name: str
    name_en: str
    level: str  # province | city | district | park
    parent: str | None
    official: bool = True


REGIONS: tuple[RegionSeed, ...] = (
    RegionSeed("440000", "广东省", "Guangdong", "province", None),
    RegionSeed("440300", "深圳市", "Shenzhen", "city", "440000"),
    RegionSeed("440303", "罗湖区", "Luohu", "district", "440300"),
    RegionSeed("440304", "福田区", "Futian", "district", "440300"),
    RegionSeed("440305", "南山区", "Nanshan", "district", "440300"),
    RegionSeed("440306", "宝安区", "Bao'an", "district", "440300"),
    RegionSeed("440307", "龙岗区", "Longgang", "district", "440300"),
    RegionSeed("440308", "盐田区", "Yantian", "district", "440300"),
    RegionSeed("440309", "龙华区", "Longhua", "district", "440300"),
    RegionSeed("440310", "坪山区", "Pingshan", "district", "440300"),
    RegionSeed("440311", "光明区", "Guangming", "district", "440300"),
    RegionSeed("440309P01", "九龙山数字城", "Jiulongshan Digital City", "park", "440309", False),
    RegionSeed("440306P01", "宝安智谷", "Bao'an Zhigu", "park", "440306", False),
    RegionSeed("441900", "东莞市", "Dongguan", "city", "440000"),
    # Dongguan has no county-level districts: its towns and zones play the district role.
    RegionSeed("441900003", "东城街道", "Dongcheng Subdistrict", "district", "441900"),
    RegionSeed("441900004", "南城街道", "Nancheng Subdistrict", "district", "441900"),
    RegionSeed("441900106", "横沥镇", "Hengli Town", "district", "441900"),
    RegionSeed("441900110", "常平镇", "Changping Town", "district", "441900"),
    RegionSeed("441900113", "大朗镇", "Dalang Town", "district", "441900"),
    RegionSeed("441900116", "塘厦镇", "Tangxia Town", "district", "441900"),
    RegionSeed("441900119", "长安镇", "Chang'an Town", "district", "441900"),
    RegionSeed("441900121", "虎门镇", "Humen Town", "district", "441900"),
    RegionSeed("441900401", "松山湖", "Songshan Lake", "district", "441900"),
    RegionSeed("441900119P01", "长安模具产业集群", "Chang'an Mould Cluster", "park", "441900119", False),
    RegionSeed("441900106P01", "横沥模具产业园", "Hengli Mould Industrial Park", "park", "441900106", False),
    RegionSeed("430000", "湖南省", "Hunan", "province", None),
    RegionSeed("430100", "长沙市", "Changsha", "city", "430000"),
    RegionSeed("430102", "芙蓉区", "Furong", "district", "430100"),
    RegionSeed("430104", "岳麓区", "Yuelu", "district", "430100"),
    RegionSeed("430111", "雨花区", "Yuhua", "district", "430100"),
    RegionSeed("430121", "长沙县", "Changsha County", "district", "430100"),
    RegionSeed("430181", "浏阳市", "Liuyang", "district", "430100"),
    RegionSeed("430121P01", "长沙经开区", "Changsha Economic & Technological Development Zone", "park",
               "430121", False),
)

# GB/T 4754-2017 sections (门类) with their division (大类) ranges.
INDUSTRY_SECTIONS: dict[str, tuple[str, range]] = {
    "A": ("农、林、牧、渔业", range(1, 6)),
    "B": ("采矿业", range(6, 13)),
    "C": ("制造业", range(13, 44)),
    "D": ("电力、热力、燃气及水生产和供应业", range(44, 47)),
    "E": ("建筑业", range(47, 51)),
    "F": ("批发和零售业", range(51, 53)),
    "G": ("交通运输、仓储和邮政业", range(53, 61)),
    "H": ("住宿和餐饮业", range(61, 63)),
    "I": ("信息传输、软件和信息技术服务业", range(63, 66)),
    "J": ("金融业", range(66, 70)),
    "K": ("房地产业", range(70, 71)),
    "L": ("租赁和商务服务业", range(71, 73)),
    "M": ("科学研究和技术服务业", range(73, 76)),
    "N": ("水利、环境和公共设施管理业", range(76, 80)),
    "O": ("居民服务、修理和其他服务业", range(80, 83)),
    "P": ("教育", range(83, 84)),
    "Q": ("卫生和社会工作", range(84, 86)),
    "R": ("文化、体育和娱乐业", range(86, 91)),
    "S": ("公共管理、社会保障和社会组织", range(91, 97)),
    "T": ("国际组织", range(97, 98)),
}

# The divisions the portal's users come from: all of manufacturing plus the industrial services
# that bureaus also diagnose. Other sections are accepted at section level only.
INDUSTRY_DIVISIONS: dict[str, str] = {
    "06": "煤炭开采和洗选业",
    "08": "黑色金属矿采选业",
    "09": "有色金属矿采选业",
    "10": "非金属矿采选业",
    "13": "农副食品加工业",
    "14": "食品制造业",
    "15": "酒、饮料和精制茶制造业",
    "16": "烟草制品业",
    "17": "纺织业",
    "18": "纺织服装、服饰业",
    "19": "皮革、毛皮、羽毛及其制品和制鞋业",
    "20": "木材加工和木、竹、藤、棕、草制品业",
    "21": "家具制造业",
    "22": "造纸和纸制品业",
    "23": "印刷和记录媒介复制业",
    "24": "文教、工美、体育和娱乐用品制造业",
    "25": "石油、煤炭及其他燃料加工业",
    "26": "化学原料和化学制品制造业",
    "27": "医药制造业",
    "28": "化学纤维制造业",
    "29": "橡胶和塑料制品业",
    "30": "非金属矿物制品业",
    "31": "黑色金属冶炼和压延加工业",
    "32": "有色金属冶炼和压延加工业",
    "33": "金属制品业",
    "34": "通用设备制造业",
    "35": "专用设备制造业",
    "36": "汽车制造业",
    "37": "铁路、船舶、航空航天和其他运输设备制造业",
    "38": "电气机械和器材制造业",
    "39": "计算机、通信和其他电子设备制造业",
    "40": "仪器仪表制造业",
    "41": "其他制造业",
    "42": "废弃资源综合利用业",
    "43": "金属制品、机械和设备修理业",
    "44": "电力、热力生产和供应业",
    "45": "燃气生产和供应业",
    "46": "水的生产和供应业",
    "63": "电信、广播电视和卫星传输服务",
    "64": "互联网和相关服务",
    "65": "软件和信息技术服务业",
    "73": "研究和试验发展",
    "74": "专业技术服务业",
    "75": "科技推广和应用服务业",
}


def section_of_division(division: str) -> str | None:
    """The GB/T 4754 section letter a two-digit division belongs to."""
    if len(division) != 2 or not division.isdigit():
        return None
    number = int(division)
    for letter, (_name, divisions) in INDUSTRY_SECTIONS.items():
        if number in divisions:
            return letter
    return None


# Guangdong's 20 strategic industrial clusters: 10 pillar, 10 emerging.
CLUSTERS: tuple[tuple[str, str, str], ...] = (
    ("electronics", "新一代电子信息", "pillar"),
    ("petrochem", "绿色石化", "pillar"),
    ("appliances", "智能家电", "pillar"),
    ("automotive", "汽车", "pillar"),
    ("advanced_materials", "先进材料", "pillar"),
    ("light_textile", "现代轻工纺织", "pillar"),
    ("software", "软件与信息服务", "pillar"),
    ("uhd_display", "超高清视频显示", "pillar"),
    ("biomedicine", "生物医药与健康", "pillar"),
    ("agri_food", "现代农业与食品", "pillar"),
    ("semiconductors", "半导体与集成电路", "emerging"),
    ("high_end_equipment", "高端装备制造", "emerging"),
    ("robotics", "智能机器人", "emerging"),
    ("blockchain_quantum", "区块链与量子信息", "emerging"),
    ("frontier_materials", "前沿新材料", "emerging"),
    ("new_energy", "新能源", "emerging"),
    ("laser_additive", "激光与增材制造", "emerging"),
    ("digital_creative", "数字创意", "emerging"),
    ("safety_environment", "安全应急与环保", "emerging"),
    ("precision_instruments", "精密仪器设备", "emerging"),
)
