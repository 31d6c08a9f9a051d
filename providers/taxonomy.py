"""The provider registry's taxonomies as plain data (no Django): capability areas, self-declared
levels, new technologies, qualification kinds, app categories, deployments and price models.

Sources: ../shared/reference/domain.md (capability areas from seed 000, "extend sensibly"),
docs/sources.md. Codes are stable identifiers stored in profiles; titles are what people read.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Term:
    code: str
    title: str
    title_en: str


def _codes(terms: tuple[Term, ...]) -> tuple[str, ...]:
    return tuple(t.code for t in terms)


def titles(terms: tuple[Term, ...], *, english: bool = False) -> dict[str, str]:
    """Code → title (Chinese; ``english`` for the English title where there is one)."""
    return {t.code: (t.title_en or t.title) if english else t.title for t in terms}


# Seed 000 names the first five; the rest extend the list as domain.md allows.
CAPABILITY_AREAS: tuple[Term, ...] = (
    Term("software", "软件和模型开发", "Software and model development"),
    Term("smart_hardware", "智能硬件产品及服务", "Smart hardware products and services"),
    Term("platform", "平台开发", "Platform development"),
    Term("security", "安全防护", "Security protection"),
    Term("consulting", "数字化咨询", "Digital consulting"),
    Term("integration", "系统集成", "System integration"),
    Term("network_5g", "网络与5G", "Networks and 5G"),
    Term("data", "数据服务与分析", "Data services and analytics"),
    Term("cloud", "云服务", "Cloud services"),
    Term("industrial_app", "工业APP", "Industrial apps"),
)
CAPABILITY_CODES = _codes(CAPABILITY_AREAS)

# Self-declared level in an area (1–5); staff and enterprises read the words, not the number.
CAPABILITY_LEVELS: tuple[Term, ...] = (
    Term("1", "起步：有少量项目经验", "Starting: a few projects"),
    Term("2", "成长：有可复制的产品或方案", "Growing: a repeatable product or solution"),
    Term("3", "成熟：多个行业、多个客户稳定交付", "Established: steady delivery across clients and industries"),
    Term("4", "领先：区域内标杆案例", "Leading: benchmark cases in the region"),
    Term("5", "卓越：行业级标杆，自主核心技术", "Outstanding: industry benchmark with own core technology"),
)
LEVEL_MIN, LEVEL_MAX = 1, 5

NEW_TECHNOLOGIES: tuple[Term, ...] = (
    Term("5g", "5G", "5G"),
    Term("ai", "人工智能", "Artificial intelligence"),
    Term("digital_twin", "数字孪生", "Digital twin"),
    Term("blockchain", "区块链", "Blockchain"),
    Term("identifier", "标识解析", "Identifier resolution"),
    Term("cloud_native", "云原生", "Cloud native"),
)
NEW_TECH_CODES = _codes(NEW_TECHNOLOGIES)

QUALIFICATION_KINDS: tuple[Term, ...] = (
    Term("high_tech", "高新技术企业", "High-tech enterprise"),
    Term("cmmi", "CMMI", "CMMI"),
    Term("iso27001", "ISO 27001", "ISO 27001"),
    Term("mlps_assessor", "等保测评", "MLPS assessment"),
    Term("system_integration", "信息系统集成资质", "System integration qualification"),
    Term("iso9001", "ISO 9001", "ISO 9001"),
    Term("other", "其他", "Other"),
)
QUALIFICATION_CODES = _codes(QUALIFICATION_KINDS)

# 工业APP categories follow the usual split of industrial software by the business it serves.
APP_CATEGORIES: tuple[Term, ...] = (
    Term("rd_design", "研发设计", "R&D and design"),
    Term("production", "生产制造", "Production"),
    Term("operations", "经营管理", "Operations management"),
    Term("supply_chain", "供应链管理", "Supply chain"),
    Term("quality", "质量管控", "Quality control"),
    Term("equipment", "设备运维", "Equipment maintenance"),
    Term("energy_safety", "能耗与安全", "Energy and safety"),
    Term("marketing_service", "营销与服务", "Marketing and service"),
)
APP_CATEGORY_CODES = _codes(APP_CATEGORIES)

DEPLOYMENTS: tuple[Term, ...] = (
    Term("saas", "SaaS 云服务", "SaaS"),
    Term("private", "私有化部署", "Private deployment"),
    Term("edge", "边缘部署", "Edge deployment"),
)
DEPLOYMENT_CODES = _codes(DEPLOYMENTS)

PRICE_MODELS: tuple[Term, ...] = (
    Term("subscription", "按年订阅", "Annual subscription"),
    Term("licence", "一次性授权", "One-off licence"),
    Term("project", "按项目报价", "Per project"),
    Term("usage", "按量计费", "Pay per use"),
    Term("free", "免费", "Free"),
)
PRICE_MODEL_CODES = _codes(PRICE_MODELS)

# Which capability areas serve a need category (the six new modes of the demand map,
# diagnosis.models.NewMode): the supply side the gap map counts against each category's demand.
# Ours ([P], docs/sources.md): read from domain.md's lists (seed 000's demand map and provider
# portrait) and the usual content of each mode: 数字化管理 is management software, consulting and
# cloud; 智能化制造 is smart hardware, system integration and industrial apps on the shop floor;
# 网络化协同 runs on networks and platforms and needs security; 个性化定制 rests on software and
# customer data; 服务化延伸 on connected-product data and platforms; 平台化设计 on platforms and
# cloud. Kept narrow (two or three areas) so that each category's supply differs.
CATEGORY_AREAS: dict[str, tuple[str, ...]] = {
    "digital_management": ("software", "consulting", "cloud"),
    "smart_manufacturing": ("smart_hardware", "integration", "industrial_app"),
    "networked_collaboration": ("network_5g", "platform", "security"),
    "personalised_customisation": ("software", "data"),
    "service_extension": ("data", "platform"),
    "platform_design": ("platform", "cloud"),
}
