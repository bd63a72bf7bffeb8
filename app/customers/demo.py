"""Plausible Guangyuan customers for demos and benchmarks: names, addresses, phones and ID numbers that pass the same
checks as real input (valid ID check digits, real district codes and towns). Deterministic for a given seed.
Pure generation: demo.py writes the rows."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from app.customers.fields import USCC_CHARS, credit_check_char, resident_check_digit

# district -> (account prefix, administrative division code, towns / sub-districts)
DISTRICTS = {
    "利州区": ("LZ", "510802", ["东坝街道", "嘉陵街道", "南河街道", "雪峰街道", "万缘街道", "回龙河街道", "宝轮镇"]),
    "昭化区": ("ZH", "510811", ["元坝镇", "昭化镇", "卫子镇", "红岩镇", "柏林沟镇"]),
    "朝天区": ("CT", "510812", ["朝天镇", "中子镇", "羊木镇", "曾家镇", "大滩镇"]),
    "旺苍县": ("WC", "510821", ["东河镇", "嘉川镇", "木门镇", "白水镇", "尚武镇"]),
    "青川县": ("QC", "510822", ["乔庄镇", "竹园镇", "木鱼镇", "青溪镇", "沙州镇"]),
    "剑阁县": ("JG", "510823", ["普安镇", "下寺镇", "白龙镇", "元山镇", "开封镇"]),
    "苍溪县": ("CX", "510824", ["陵江镇", "云峰镇", "东青镇", "歧坪镇", "白驿镇"]),
}
# Weighted towards the city district, as the customer base is.
DISTRICT_WEIGHTS = {"利州区": 40, "昭化区": 8, "朝天区": 7, "旺苍县": 11, "青川县": 7, "剑阁县": 12, "苍溪县": 15}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰春梅海燕文斌鹏飞俊辉婷雪莉琴云德成林波宇浩然思雨欣怡子涵晨阳"
ESTATE_HEADS = (
    "滨江",
    "凤凰",
    "嘉陵",
    "锦绣",
    "阳光",
    "翠屏",
    "金色",
    "南山",
    "东城",
    "万达",
    "天成",
    "龙潭",
    "御景",
    "书香",
    "和平",
)
ESTATE_TAILS = ("花园", "小区", "家园", "名都", "苑", "新城", "华府", "公馆")
BUSINESS_WORDS = ("宏达", "兴旺", "金鑫", "蜀道", "川北", "利民", "顺发", "嘉华", "鸿运", "天府")
# class -> weight; B2 households are most of a city's customers.
CLASS_WEIGHTS = {"B2": 85, "B1": 5, "A2": 6, "A1": 2, "A3": 2}
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157")
MOBILE_PREFIXES += ("158", "159", "177", "180", "181", "182", "183", "186", "187", "188", "189", "199")


def resident_id(rng: random.Random, division: str) -> str:
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(60 * 365))
    body = f"{division}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + resident_check_digit(body)


def credit_code(rng: random.Random, division: str) -> str:
    body = "91" + division + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    return body + credit_check_char(body)


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _phones(rng: random.Random) -> list[str]:
    mobile = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    if rng.random() < 0.1:
        return [f"0839{rng.randrange(2_000_000, 9_000_000)}", mobile]
    if rng.random() < 0.12:
        return [mobile, rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"]
    return [mobile]


def _name(rng: random.Random, customer_class: str, district: str, estate: str) -> str:
    word = rng.choice(BUSINESS_WORDS)
    if customer_class == "A1":
        return f"广元{word}{rng.choice(('机械制造', '食品加工', '建材', '陶瓷', '化工'))}有限公司"
    if customer_class == "A2":
        return f"{rng.choice(SURNAMES)}记{rng.choice(('火锅店', '面馆', '超市', '酒楼', '烧烤'))}（{district}）"
    if customer_class == "A3":
        return f"{district}{rng.choice(('第一小学', '第二中学', '卫生院', '社区服务中心', '敬老院'))}"
    if customer_class == "B1":
        return f"{estate}业主委员会"
    return person_name(rng)


def customers(
    count: int, branch_ids: dict[str, int], managers: dict[str, list[int]], start: int = 1, seed: int = 4
) -> Iterator[dict]:
    """count rows in the clean form insert_customers takes; account numbers <prefix><start..>."""
    rng = random.Random(seed + start)
    districts = list(DISTRICT_WEIGHTS)
    district_weights = list(DISTRICT_WEIGHTS.values())
    classes = list(CLASS_WEIGHTS)
    class_weights = list(CLASS_WEIGHTS.values())
    for number in range(start, start + count):
        district = rng.choices(districts, district_weights)[0]
        prefix, division, towns = DISTRICTS[district]
        customer_class = rng.choices(classes, class_weights)[0]
        pool = managers.get(district) or []
        if customer_class != "B2" and not pool:
            customer_class = "B2"  # no manager to name (M4): keep the row valid
        rural = rng.random() < 0.25
        if rural:
            estate, room = f"{rng.choice(BUSINESS_WORDS)}村{rng.randint(1, 12)}组", f"{rng.randint(1, 80)}号"
        else:
            estate = rng.choice(ESTATE_HEADS) + rng.choice(ESTATE_TAILS)
            room = f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元{rng.randint(1, 33)}0{rng.randint(1, 4)}"
        organisation = customer_class.startswith("A")
        yield {
            "account_no": f"{prefix}{number:08d}",
            "name": _name(rng, customer_class, district, estate),
            "customer_class": customer_class,
            "district": district,
            "street": rng.choice(towns),
            "estate": estate,
            "room": room,
            "phones": _phones(rng),
            "id_number": (credit_code if organisation else resident_id)(rng, division) if rng.random() < 0.8 else None,
            "branch_id": branch_ids[district],
            "manager_id": rng.choice(pool) if customer_class != "B2" else None,
            "supply_status": rng.choices(("normal", "suspended", "disconnected"), (96, 3, 1))[0],
        }
