"""The demo district's data: its units, names, request texts and the plan of states and outcomes."""

from __future__ import annotations

import os

from ..models import DisclosureRequest, StaffRole, Unit
from ..workflow import REFUSALS, Outcome, Status

DEFAULT_PASSWORD = "Gongkai-demo-2026"
SEED = 20260101
ROOT_CODE = "jindong"

# (code, name, kind, reference prefix, short login prefix)
UNITS = [
    (ROOT_CODE, "金东区人民政府", Unit.Kind.GOVERNMENT, "金东公开", "qzf"),
    ("jd-bgs", "金东区人民政府办公室", Unit.Kind.DEPARTMENT, "金东办公开", "bgs"),
    ("jd-fgj", "金东区发展和改革局", Unit.Kind.DEPARTMENT, "金东发改公开", "fgj"),
    ("jd-zrzy", "金华市自然资源和规划局金东分局", Unit.Kind.DEPARTMENT, "金东资规公开", "zrzy"),
    ("jd-zjj", "金东区住房和城乡建设局", Unit.Kind.DEPARTMENT, "金东住建公开", "zjj"),
    ("jd-jyj", "金东区教育局", Unit.Kind.DEPARTMENT, "金东教育公开", "jyj"),
    ("jd-scjg", "金东区市场监督管理局", Unit.Kind.DEPARTMENT, "金东市监公开", "scjg"),
    ("jd-dhjd", "多湖街道办事处", Unit.Kind.TOWNSHIP, "多湖公开", "dhjd"),
    ("jd-dxjd", "东孝街道办事处", Unit.Kind.TOWNSHIP, "东孝公开", "dxjd"),
    ("jd-xsz", "孝顺镇人民政府", Unit.Kind.TOWNSHIP, "孝顺公开", "xsz"),
    ("jd-lpz", "澧浦镇人民政府", Unit.Kind.TOWNSHIP, "澧浦公开", "lpz"),
]
# Requests received in the last this many days had their 答复书 issued here (documents).
LETTERS_ISSUED_DAYS = 90
# How many requests each unit gets, relative to the others (land and housing draw the most).
UNIT_WEIGHTS = {
    ROOT_CODE: 6, "jd-bgs": 3, "jd-fgj": 3, "jd-zrzy": 9, "jd-zjj": 7, "jd-jyj": 3, "jd-scjg": 3,
    "jd-dhjd": 4, "jd-dxjd": 4, "jd-xsz": 3, "jd-lpz": 3,
}

ROLE_LABELS = dict(StaffRole.Role.choices)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
GIVEN = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
    "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "晓东", "文军", "丽华", "国平", "红梅", "建国", "雪梅",
    "卫东", "春燕", "立新", "晓峰", "晨曦", "子涵", "浩然", "一鸣",
]
COMPANIES = [
    "浙江金义建设工程有限公司", "金华市金东区华丰建材有限公司", "金华宏达物流有限公司", "浙江鼎盛置业有限公司",
    "金华市金东区绿源农业开发有限公司", "浙江明宇机械制造有限公司", "金华市新城房地产开发有限公司",
]
RESEARCH = ["浙江师范大学法政学院", "金华职业技术学院", "浙江省社会科学院地方治理研究所"]
WELFARE = ["金华市金东区环保志愿者协会", "金华市消费者权益保护协会", "金华市慈善总会金东分会"]
LAW_FIRMS = ["浙江金鼎律师事务所", "浙江之江律师事务所金华分所", "北京盈科（金华）律师事务所", "浙江金诚律师事务所"]
OTHER_ORGS = ["孝顺镇某村股份经济合作社", "多湖街道某小区业主委员会", "金东区个体劳动者协会"]

CONTENTS = {
    ROOT_CODE: [
        "金东区{y}年度重大行政决策事项目录及相关听证材料",
        "区政府常务会议关于{place}片区改造项目的会议纪要中涉及本人房屋的内容",
        "金东区{y}年政府工作报告中民生实事项目的完成情况",
        "{place}地块征收决定及补偿安置方案的批准文件",
    ],
    "jd-bgs": [
        "区政府办公室{y}年发布的规范性文件目录",
        "关于{place}交通整治工作的督查通报",
        "金东区政务公开工作{y}年度考核结果",
    ],
    "jd-fgj": [
        "{place}污水管网工程项目的立项批复及可行性研究报告批复",
        "金东区{y}年重点建设项目计划",
        "{place}公共停车场项目的核准文件",
    ],
    "jd-zrzy": [
        "{place}地块国有土地使用权出让合同及规划条件",
        "本人位于{place}的宅基地审批档案",
        "{place}村土地征收的农用地转用和征收批复",
        "{place}地块建设用地规划许可证及附图",
        "{place}区块控制性详细规划调整的审批材料",
    ],
    "jd-zjj": [
        "{place}安置小区的竣工验收备案材料",
        "{place}商品房项目的预售许可证及预售资金监管协议",
        "{place}老旧小区改造工程的招标文件及中标结果",
        "{place}房屋征收项目的评估机构选定结果和分户评估报告",
    ],
    "jd-jyj": [
        "金东区{y}年义务教育阶段学校招生划片方案",
        "{place}小学新建工程的建设资金来源",
        "{y}年教师招聘考试的成绩及录用名单",
    ],
    "jd-scjg": [
        "对{place}某餐饮店的行政处罚决定书",
        "{y}年金东区食品安全抽检结果",
        "本人投诉{place}某超市销售过期食品的处理结果",
    ],
    "jd-dhjd": ["{place}社区{y}年低保对象名单及审核材料", "多湖街道{place}违法建筑拆除的相关决定"],
    "jd-dxjd": ["东孝街道{place}村集体土地租赁合同", "东孝街道{y}年财政预算及决算"],
    "jd-xsz": ["孝顺镇{place}村道路硬化工程的资金拨付情况", "孝顺镇{y}年农村危房改造补助名单"],
    "jd-lpz": ["澧浦镇{place}村土地流转合同及流转费发放情况", "澧浦镇{y}年美丽乡村建设项目资金使用情况"],
}
PLACES = ["多湖中央商务区", "金东新区", "东孝", "孝顺", "澧浦", "傅村", "曹宅", "岭下", "江东", "塘雅", "赤松",
          "鞋塘", "源东", "低田", "施光", "含香", "后溪", "浦口", "下于", "洞殿下"]

DELIVERY_METHODS = ["邮寄（EMS）", "当面领取", "电子邮件", "浙江政务服务网在线送达"]
CONSULTED_AGENCIES = ["金华市自然资源和规划局", "金东区财政局", "金东区司法局", "金华市生态环境局金东分局"]
CONSULTED_THIRD_PARTIES = ["浙江鼎盛置业有限公司", "金华市新城房地产开发有限公司", "相关被征收户"]

# How often each outcome occurs among concluded requests (roughly as in published annual reports).
OUTCOME_WEIGHTS = {
    Outcome.GRANTED: 30, Outcome.ALREADY_PUBLIC: 10, Outcome.PARTIAL: 8,
    Outcome.REFUSED_STATE_SECRET: 1, Outcome.REFUSED_LAW_PROHIBITED: 1, Outcome.REFUSED_SECURITY_STABILITY: 1,
    Outcome.REFUSED_THIRD_PARTY: 3, Outcome.REFUSED_INTERNAL_AFFAIRS: 2, Outcome.REFUSED_PROCESS_INFO: 3,
    Outcome.REFUSED_ENFORCEMENT_FILE: 1, Outcome.REFUSED_QUERY_MATTER: 1, Outcome.SPECIAL_ACCESS: 1,
    Outcome.UNAVAILABLE_NOT_HELD: 15, Outcome.NOT_THIS_AGENCY: 6, Outcome.UNAVAILABLE_NEEDS_CREATION: 3,
    Outcome.UNAVAILABLE_UNCLEAR: 2, Outcome.NOT_PROCESSED_PETITION: 2, Outcome.NOT_PROCESSED_DUPLICATE: 2,
    Outcome.NOT_PROCESSED_PUBLICATION: 1, Outcome.NOT_PROCESSED_EXCESSIVE: 1, Outcome.NOT_PROCESSED_CONFIRM: 1,
    Outcome.ABANDONED_NO_CORRECTION: 3, Outcome.ABANDONED_FEE_UNPAID: 1, Outcome.WITHDRAWN: 4, Outcome.OTHER: 1,
}
# Open requests: (state, how many, how many of them overdue).
OPEN_PLAN = [
    (Status.REGISTERED, 6, 0),
    (Status.REVIEWING, 5, 0),
    (Status.AWAITING_CORRECTION, 6, 0),
    (Status.HANDLING, 14, 5),
    (Status.CONSULTING, 5, 0),
    (Status.LEGAL_REVIEW, 4, 1),
    (Status.SIGN_OFF, 3, 0),
]
CONCLUDED_COUNT = 230  # received at least OLD_DAYS ago, every outcome among them
OLD_DAYS = 150
RECENT_COUNT = 30
RECENT_OUTCOMES = [Outcome.GRANTED, Outcome.GRANTED, Outcome.GRANTED, Outcome.UNAVAILABLE_NOT_HELD,
                   Outcome.ALREADY_PUBLIC, Outcome.NOT_THIS_AGENCY, Outcome.UNAVAILABLE_NEEDS_CREATION,
                   Outcome.REFUSED_PROCESS_INFO, Outcome.WITHDRAWN, Outcome.WITHDRAWN]
# Outcomes that applicants contest with 行政复议 or 行政诉讼 now and then.
PROCEEDING_OUTCOMES = REFUSALS | {Outcome.UNAVAILABLE_NOT_HELD, Outcome.NOT_THIS_AGENCY, Outcome.PARTIAL}


def demo_password() -> str:
    return os.environ.get("GONGKAI_DEMO_PASSWORD") or DEFAULT_PASSWORD


def is_loaded() -> bool:
    return DisclosureRequest.objects.filter(unit__path__startswith=f"/{ROOT_CODE}/").exists()
