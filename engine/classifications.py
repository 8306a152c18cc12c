"""National classifications (not provincial configuration): functional classes of spending."""

from __future__ import annotations

# 支出功能分类 (类): code → (Chinese, English).
FUNCTIONAL_CLASSES: dict[str, tuple[str, str]] = {
    "201": ("一般公共服务", "general public services"),
    "203": ("国防", "defence"),
    "204": ("公共安全", "public security"),
    "205": ("教育", "education"),
    "206": ("科学技术", "science & technology"),
    "207": ("文化旅游体育与传媒", "culture, tourism, sport & media"),
    "208": ("社会保障和就业", "social security & employment"),
    "210": ("卫生健康", "health"),
    "211": ("节能环保", "energy saving & environment"),
    "212": ("城乡社区", "urban & rural communities"),
    "213": ("农林水", "agriculture, forestry & water"),
    "214": ("交通运输", "transport"),
    "220": ("自然资源海洋气象等", "natural resources"),
    "221": ("住房保障", "housing"),
    "224": ("灾害防治及应急管理", "disaster prevention & emergency management"),
    "229": ("其他", "other"),
}
