"""User-facing terms in Chinese and English: the one table that tables, charts and briefings take words from.

The Chinese terms are the measures' own (静安区公共租赁住房管理实施办法, 2021): 轮候 (waiting list),
配租 (allocation), 准入资格 (qualification), 过渡期 (transition), 分配入住率 (allocation occupancy rate),
入住 (move-in), 失效/逾期 (lapse), 审核 (review), 工作日 (working day), 续租 (renewal), 退出 (exit).

``TERMS`` maps a key to ``Term(zh, en, unit)``. Keys are the summary figures (``SUMMARY_FIGURES``, each
with a unit), the units themselves (``unit.days`` ...), the words of printed tables (``table.mean`` ...) and
a glossary of the measures' vocabulary (``term.waiting_list`` ...).

    >>> label("occupancy_rate", "zh")
    '分配入住率（比例）'
    >>> label("wait_apply_to_movein_mean", "en")
    'Mean wait, application to move-in (days)'
"""

from __future__ import annotations

from typing import NamedTuple

LANGS = ("en", "zh")


class Term(NamedTuple):
    zh: str
    en: str
    unit: str | None = None  # "days", "share", "households" or "units" for a figure; None otherwise


def _exit(zh: str, en: str) -> Term:
    return Term(f"退出：{zh}", f"Exits: {en}", "households")


TERMS: dict[str, Term] = {
    # ------------------------------------------------------------ units
    "unit.days": Term("天", "days"),
    "unit.share": Term("比例", "share"),
    "unit.households": Term("户", "households"),
    "unit.units": Term("套", "units"),
    # ------------------------------------------------------------ summary figures (sim.SUMMARY_FIGURES)
    "wait_apply_to_movein_mean": Term("申请至入住平均等候时间", "Mean wait, application to move-in", "days"),
    "wait_apply_to_movein_median": Term(
        "申请至入住等候时间中位数", "Median wait, application to move-in", "days"
    ),
    "wait_apply_to_movein_p90": Term(
        "申请至入住等候时间第90百分位", "90th percentile wait, application to move-in", "days"
    ),
    "wait_qualified_to_movein_mean": Term(
        "取得准入资格至入住平均轮候时间", "Mean wait, qualification to move-in", "days"
    ),
    "waiting_mean": Term("平均轮候户数", "Mean households on the waiting list", "households"),
    "waiting_end": Term("期末轮候户数", "Households on the waiting list at the end", "households"),
    "occupancy_rate": Term("分配入住率", "Allocation occupancy rate", "share"),
    "lapse_rate": Term("准入资格逾期失效比例", "Share of qualifications that lapsed", "share"),
    "review_within_limit_share": Term(
        "在规定工作日内完成审核的比例", "Share of reviews done within the working-day limit", "share"
    ),
    "applications": Term("申请户数", "Applications", "households"),
    "qualification_rate": Term(
        "审核通过取得准入资格的比例", "Share of reviewed applications that qualified", "share"
    ),
    "housed_share": Term("申请后配租入住的比例", "Share of applicants who moved in", "share"),
    "move_ins": Term("入住户数", "Move-ins", "households"),
    "units_end": Term("期末公租房房源", "Rental units at the end", "units"),
    # exits, Art. 23 (voluntary, then forced) and Art. 17, 20
    "exits_other_housing": _exit("获得其他住房", "obtained other housing"),
    "exits_marital_change": _exit("婚姻状况变化", "change in marital status"),
    "exits_job_change": _exit("工作变动", "change of job"),
    "exits_employer_withdrawal": _exit("单位取消承租资格", "employer withdrew the tenancy"),
    "exits_employer_relocation": _exit("单位迁出本区", "employer moved out of the district"),
    "exits_other": _exit("其他", "other voluntary reasons"),
    "exits_unreported_change": _exit("情况变化未主动退出", "changed circumstances not reported"),
    "exits_nuisance": _exit("损害公共利益", "harm to the public interest"),
    "exits_subletting": _exit("转借转租", "lending or subletting"),
    "exits_change_of_use": _exit("改变用途", "change of use"),
    "exits_damage": _exit("损坏房屋", "damage to the dwelling"),
    "exits_absence": _exit("6个月以上未居住", "not lived in for 6 months or more"),
    "exits_violation": _exit("其他违规", "other violations"),
    # The two below are worded for any value of rent.arrears_limit and lease.max_total_years (the
    # measures say 累计3次拖欠租金 and 保障满6年), so that a variant's table does not misstate its own rule.
    "exits_arrears": _exit("累计拖欠租金达到上限次数", "rent arrears limit reached"),
    "exits_cap": _exit("保障年限届满", "total-tenure cap reached"),
    "exits_not_renewed": _exit("未申请续租", "renewal not applied for"),
    "exits_renewal_refused": _exit("续租审核未通过", "renewal review not passed"),
    "capped_exits": Term("保障年限届满退出户数", "Exits at the total-tenure cap", "households"),
    "wait_mean_single": Term("单身申请人平均等候时间", "Mean wait, single applicants", "days"),
    "wait_mean_family": Term("家庭申请人平均等候时间", "Mean wait, family applicants", "days"),
    "wait_mean_employer": Term("单位申请职工平均等候时间", "Mean wait, employer staff", "days"),
    "wait_mean_priority": Term("倾斜行业职工平均等候时间", "Mean wait, priority sectors", "days"),
    "wait_mean_other_sector": Term("其他行业平均等候时间", "Mean wait, other sectors", "days"),
    "housed_single": Term("单身申请人入住户数", "Housed, single applicants", "households"),
    "housed_family": Term("家庭申请人入住户数", "Housed, family applicants", "households"),
    "housed_employer": Term("单位申请职工入住户数", "Housed, employer staff", "households"),
    "housed_priority": Term("倾斜行业职工入住户数", "Housed, priority sectors", "households"),
    "housed_other_sector": Term("其他行业入住户数", "Housed, other sectors", "households"),
    # ------------------------------------------------------------ words of printed tables
    "table.figure": Term("指标", "Figure"),
    "table.mean": Term("均值", "Mean"),
    "table.ci95": Term("95%置信区间", "95% CI"),
    "table.n": Term("重复次数", "n"),
    "table.na": Term("无", "n/a"),
    "table.replications": Term("次重复", "replications"),
    "table.seeds": Term("随机种子", "seeds"),
    # ------------------------------------------------------------ glossary of the measures
    "term.prh": Term("公共租赁住房", "public rental housing"),
    "term.application": Term("申请", "application"),
    "term.receipt": Term("受理回执", "receipt"),
    "term.review": Term("审核", "review"),
    "term.publicity": Term("公示", "publicity"),
    "term.appeal": Term("复核", "appeal"),
    "term.qualification": Term("准入资格", "qualification"),
    "term.waiting_list": Term("轮候", "waiting list"),
    "term.allocation": Term("配租", "allocation"),
    "term.batch_allocation": Term("集中配租", "batch allocation"),
    "term.continuous_allocation": Term("常态化配租", "continuous allocation"),
    "term.selection": Term("选房", "choice of unit"),
    "term.move_in": Term("入住", "move-in"),
    "term.lease": Term("租赁合同", "lease"),
    "term.renewal": Term("续租", "renewal"),
    "term.exit": Term("退出", "exit"),
    "term.transition": Term("过渡期", "transition"),
    "term.lapse": Term("逾期失效", "lapse"),
    "term.ban": Term("1年内不得再次申请", "one-year ban on applying"),
    "term.working_day": Term("工作日", "working day"),
    "term.occupancy_rate": Term("分配入住率", "allocation occupancy rate"),
    "term.rent_arrears": Term("拖欠租金", "rent arrears"),
    "term.market_rent": Term("市场租金", "market rent"),
    "term.split_suite": Term("拆套", "split suite"),
    "term.employer": Term("单位", "employer"),
    "term.single": Term("单身人士", "single applicant"),
    "term.family": Term("家庭", "family"),
    "term.operator": Term("运营机构", "operator"),
    "term.priority_sector": Term("公益性行业和基本公共服务行业", "public-service sectors"),
}


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} (expected one of {', '.join(LANGS)})")


def term(key: str, lang: str) -> str:
    """The bare term of ``key`` in ``lang`` ("en" or "zh"), without its unit. Raises KeyError if unknown."""
    _check_lang(lang)
    return getattr(TERMS[key], lang)


def unit_of(key: str) -> str | None:
    """The unit kind of a figure ("days", "share", "households", "units"), or None if it has none/unknown."""
    found = TERMS.get(key)
    return found.unit if found else None


def label(key: str, lang: str) -> str:
    """The user-facing label of ``key`` in ``lang``, with its unit for a figure.

    ``label("waiting_end", "zh") == "期末轮候户数（户）"``; ``label("waiting_end", "en") ==
    "Households on the waiting list at the end (households)"``.

    Raises:
        KeyError: unknown key. ValueError: unknown language.
    """
    text = term(key, lang)
    unit = TERMS[key].unit
    if unit is None:
        return text
    unit_text = term(f"unit.{unit}", lang)
    return f"{text}（{unit_text}）" if lang == "zh" else f"{text} ({unit_text})"
