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
    unit: str | None = None  # "days", "share", "households", "units", "offers" or "m2" for a figure


def _exit(zh: str, en: str) -> Term:
    return Term(f"退出：{zh}", f"Exits: {en}", "households")


TERMS: dict[str, Term] = {
    # ------------------------------------------------------------ units
    "unit.days": Term("天", "days"),
    "unit.share": Term("比例", "share"),
    "unit.households": Term("户", "households"),
    "unit.units": Term("套", "units"),
    "unit.offers": Term("次", "offers"),
    "unit.m2": Term("平方米", "m²"),
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
    "reviews_over_limit": Term(
        "超过审核时限完成审核的申请户数", "Applications reviewed past the working-day limit", "households"
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
    # what tells allocation mechanisms apart (sim/records.py)
    "wait_group_gap": Term(
        "各类申请人平均等候时间的最大差距", "Gap between the longest and shortest group mean wait", "days"
    ),
    "declines_per_let": Term("每套配租房源的放弃选房次数", "Offers declined per unit let", "offers"),
    "vacancy_days_per_let": Term("每套配租房源的空置天数", "Vacant days per unit let", "days"),
    "lets_high_need_share": Term(
        "配租给需求评分最高四分之一住户的比例", "Share of lets to the households of highest need", "share"
    ),
    "let_area_per_person_mean": Term("配租房源人均居住面积", "Living area a person of units let", "m2"),
    "lets_oversized_share": Term(
        "人均居住面积超过标准4倍的配租比例", "Share of lets above 4 times the living-area standard", "share"
    ),
    "housed_within_validity_share": Term(
        "准入资格有效期内入住的比例", "Share of qualified households housed within the validity", "share"
    ),
    # ------------------------------------------------------------ words of printed tables
    "table.figure": Term("指标", "Figure"),
    "table.mean": Term("均值", "Mean"),
    "table.ci95": Term("95%置信区间", "95% CI"),
    "table.n": Term("重复次数", "n"),
    "table.na": Term("无", "n/a"),
    "table.replications": Term("次重复", "replications"),
    "table.seeds": Term("随机种子", "seeds"),
    # comparisons and sweeps ({base} is the first scenario's name)
    "table.scenario": Term("情景", "Scenario"),
    "table.difference": Term("与{base}之差", "Difference from {base}"),
    "table.diff_ci95": Term("差值95%置信区间", "95% CI of difference"),
    "table.crn": Term(
        "各情景使用相同的随机种子（共同随机数），差值按种子配对计算",
        "every scenario runs on the same seeds (common random numbers); differences are paired by seed",
    ),
    "table.significant": Term(
        "* 配对差值的95%置信区间不含0", "* the 95% CI of the paired difference excludes zero"
    ),
    "table.cells": Term("个组合", "cells"),
    # decompositions (analysis/experiments/decompose.py)
    "table.change": Term("规则变化", "Change"),
    "table.shapley": Term("沙普利分摊", "Shapley share"),
    "table.alone": Term("单独实施", "Alone"),
    "table.total": Term("合计（改革−基准）", "total (reform − base)"),
    "table.interaction": Term("交互作用（合计−单独之和）", "interaction (total − Σ alone)"),
    "table.difference_at_own": Term("本身取值下的差值", "difference at the scenarios' values"),
    "table.holds_share": Term("结论成立的合理情形占比", "holds in (share of plausible worlds)"),
    "table.difference_range": Term("差值范围（5%–95%）", "range of the difference (5%–95%)"),
    "table.input": Term("假设参数", "assumed input"),
    "table.mu_star": Term("Morris μ*（跨合理区间的平均影响）", "Morris μ* (mean effect across the range)"),
    "table.sigma": Term("σ（非线性或交互）", "σ (non-linearity, interaction)"),
    "table.sobol_total": Term("Sobol总效应指数", "Sobol total index"),
    "table.sobol_first": Term("Sobol一阶指数", "Sobol first-order index"),
    "table.noise_floor": Term("噪声基线（仅随机种子不同）", "noise floor (seeds alone)"),
    "table.above_noise": Term("* 高于噪声基线", "* above the noise floor"),
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
    """The unit kind of a figure ("days", "share", "households", "units", "offers", "m2"), or None if it has
    none or is unknown."""
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


# ---------------------------------------------------------------- charts and briefing
# (analysis/reporting/charts/, analysis/reporting/briefing.py). Templates hold {placeholders} filled
# with str.format.
TERMS.update(
    {
        "unit.years": Term("年", "years"),
        "unit.working_days": Term("工作日", "working days"),
        "unit.percent": Term("%", "%"),
        "unit.pp": Term("个百分点", "percentage points"),
        # daily series
        "daily.waiting": Term("轮候户数", "Households on the waiting list", "households"),
        "daily.units_total": Term("已供应房源", "Rental units on line", "units"),
        "daily.exits": Term("退出户数", "Exits", "households"),
        # applicant groups (Art. 3, 4), as in wait_mean_<group>
        "group.single": Term("单身申请人", "Single applicants"),
        "group.family": Term("家庭申请人", "Family applicants"),
        "group.employer": Term("单位申请职工", "Employer staff"),
        "group.priority": Term("倾斜行业职工（第三条）", "Priority sectors (Art. 3)"),
        "group.other_sector": Term("其他行业职工", "Other sectors"),
        # exit reasons grouped for charts (Art. 17, 20, 23)
        "exit_group.cap": Term("保障年限届满（第十七条）", "Total-tenure cap (Art. 17)"),
        "exit_group.renewal": Term("未续租或续租审核未通过（第二十条）", "Not renewed (Art. 20)"),
        "exit_group.other_housing": Term("获得其他住房", "Obtained other housing"),
        "exit_group.life_change": Term("工作或婚姻状况变化", "Change of job or marital status"),
        "exit_group.employer": Term("单位取消承租或迁出本区", "Employer withdrew or moved away"),
        "exit_group.forced": Term("违规或拖欠租金被收回", "Forced: violations or arrears"),
        "exit_group.other": Term("其他自愿退出", "Other voluntary exits"),
        # summary statistics of the wait
        "stat.mean": Term("平均值", "Mean"),
        "stat.median": Term("中位数", "Median"),
        "stat.p90": Term("第90百分位", "90th percentile"),
        # words common to charts
        "chart.year": Term("年份", "Year"),
        "chart.reference": Term("参照情景", "reference"),
        "chart.band": Term(
            "线为{n}次重复的均值，阴影为95%置信区间（t分布）",
            "Line: mean of {n} replications; band: 95% CI (Student t)",
        ),
        "chart.dots": Term(
            "点为{n}次重复的均值，横线为95%置信区间（t分布）",
            "Dot: mean of {n} replications; bar: 95% CI (Student t)",
        ),
        "chart.warmup": Term("预热期", "Warm-up"),
        "chart.target": Term("“十四五”目标{n}套", "Target {n} units (14th five-year plan)"),
        "chart.suppressed": Term(
            "已隐去：入住少于{n}户（第二十七条）", "suppressed: fewer than {n} housed (Art. 27)"
        ),
        "chart.diff_panel": Term("与{base}之差（按种子配对）", "Difference from {base} (paired by seed)"),
        "chart.level_panel": Term("各情景均值", "Mean of each scenario"),
        "chart.gains": Term("← 等候缩短（受益）", "← shorter wait (gains)"),
        "chart.loses": Term("等候延长（受损）→", "longer wait (loses) →"),
        # the charts
        "chart.waiting_list.title": Term(
            "轮候户数与公租房房源供应", "Waiting list and rental housing supply"
        ),
        "chart.occupancy.title": Term("分配入住率（第二十九条）", "Allocation occupancy rate (Art. 29)"),
        "chart.occupancy.axis": Term("已入住房源占已供应房源", "Occupied units, share of units on line"),
        "chart.occupancy.note": Term(
            "月度平均；过渡期内的房源计为已入住；",
            "Monthly averages; units in transition count as occupied; ",
        ),
        "chart.wait_hist.title": Term(
            "申请至入住等候时间分布", "Wait from application to move-in: distribution"
        ),
        "chart.wait_hist.x": Term("申请至入住等候时间", "Wait from application to move-in", "days"),
        "chart.wait_hist.y": Term("占入住户数比例", "Share of households housed"),
        "chart.wait_hist.note": Term(
            "预热期后申请并已入住的申请户；每{bin}天一组；柱为{n}次重复的均值，误差线为95%置信区间",
            "Households applying after the warm-up who moved in; {bin}-day bins; "
            "bar: mean of {n} replications, whisker: 95% CI",
        ),
        "chart.wait_stats.title": Term(
            "申请至入住等候时间：平均值、中位数与第90百分位",
            "Wait from application to move-in: mean, median and 90th percentile",
        ),
        "chart.wait_stats.note": Term(
            "小点为单次重复；大点与竖线为{n}次重复的均值及95%置信区间",
            "Small dots: single replications; large dot and bar: mean of {n} and 95% CI",
        ),
        "chart.wait_days": Term("等候时间", "Wait", "days"),
        "chart.mean_wait.title": Term(
            "申请至入住平均等候时间（95%置信区间）", "Mean wait from application to move-in, with 95% CI"
        ),
        "chart.lapse.title": Term(
            "准入资格逾期失效比例（第十九条）", "Share of qualifications that lapsed (Art. 19)"
        ),
        "chart.exits.title": Term("各类原因退出户数（每年）", "Exits by reason, per year"),
        "chart.exits.y": Term("退出户数（户/年）", "Exits (households a year)"),
        "chart.exits.note": Term(
            "{n}次重复的均值；误差线为全年合计的95%置信区间；年度自{start}起算",
            "Mean of {n} replications; whisker: 95% CI of the year's total; years counted from {start}",
        ),
        "chart.exits_total.title": Term("退出户数（每年）", "Exits per year"),
        "chart.exit_reasons.title": Term("期内退出户数（按原因）", "Exits over the whole run, by reason"),
        "chart.exit_reasons.x": Term("退出户数（户）", "Exits (households)"),
        "chart.groups.title": Term(
            "各类申请人的平均等候时间：谁受益、谁受损",
            "Mean wait by group of applicants: who gains, who loses",
        ),
        "chart.groups.note": Term(
            "申请至入住平均等候时间；点为{n}次重复的均值，横线为95%置信区间；入住少于{min_cell}户的组别已隐去",
            "Mean wait from application to move-in; dot: mean of {n} replications, bar: 95% CI; "
            "groups housing fewer than {min_cell} are suppressed",
        ),
        "chart.mechanisms.title": Term(
            "区分配租方式的结果指标", "Outcomes that tell allocation mechanisms apart"
        ),
        "chart.sweep_line.title": Term("{figure}随{key}的变化", "{figure}, by {key}"),
        "chart.sweep_heat.note": Term(
            "每格为{n}次重复的均值（±95%置信区间半宽）",
            "Each cell: mean of {n} replications (± half-width of the 95% CI)",
        ),
        "chart.sweep.by": Term("{key} =", "{key} ="),
        "chart.sweep.averaged": Term("其他扫描参数取平均", "averaged over the other swept keys"),
        # scenario keys the charts use most (every other key: the block "every other scenario key" below)
        "key.lease.max_total_years": Term("累计保障年限上限", "Cap on total tenure", "years"),
        "key.queue.validity_years": Term("准入资格有效期", "Qualification validity", "years"),
        "key.review.working_days": Term("审核时限", "Review time limit", "working_days"),
        "key.allocation.batch_interval_days": Term("集中配租间隔", "Batch allocation interval", "days"),
        "key.allocation.priority_reserved_share": Term(
            "倾斜行业预留房源比例", "Vacancies reserved for priority sectors", "share"
        ),
        "key.allocation.key_employer_weight": Term(
            "区重点单位职工轮候时间加权", "Seniority credit for key employers' staff", "days"
        ),
        "key.eligibility.max_area_per_capita_m2": Term(
            "人均住房面积上限", "Housing area threshold a person", "m2"
        ),
        "key.supply.target_units": Term("房源目标", "Supply target", "units"),
        "key.arrivals.applications_per_year": Term("年申请量", "Applications a year", "households"),
        "key.penalties.ban_years": Term("禁止再次申请期限", "Ban on applying again", "years"),
        # briefing
        "briefing.title": Term(
            "公共租赁住房规则情景比较", "Public rental housing rules: a comparison of scenarios"
        ),
        "briefing.subtitle": Term(
            "静安区公共租赁住房模拟（依据2021版管理办法）",
            "Jing'an District public rental housing simulator (2021 measures)",
        ),
        "briefing.scenarios": Term("比较的情景", "Scenarios compared"),
        "briefing.description": Term("说明", "Description"),
        "briefing.reference": Term("依据", "Reference"),
        "briefing.method": Term(
            "每个情景以相同的随机种子{seeds}运行{n}次重复（共同随机数）；差值按种子配对计算，"
            "95%置信区间基于t分布；* 表示差值的置信区间不含零（差异显著）。",
            "Each scenario ran {n} replications on the same seeds {seeds} (common random numbers); "
            "differences are paired by seed; 95% CIs are Student t; * marks a difference whose CI "
            "excludes zero (significant).",
        ),
        "briefing.synthetic": Term(
            "所有结果均为模拟所得的汇总数据，不含任何申请人个人信息（第二十七条）。",
            "All results are aggregates of simulated households; no applicant's data is used (Art. 27).",
        ),
        "briefing.findings": Term("主要发现", "Key findings"),
        "briefing.table": Term("比较表", "Comparison table"),
        "briefing.generated": Term("生成日期", "Generated"),
        "briefing.page": Term("第{page}页，共{pages}页", "Page {page} of {pages}"),
        "briefing.level": Term(
            "{base}情景下，{figure}为{mean}（95%置信区间 {low} 至 {high}）。",
            "Under {base}, {figure} is {mean} (95% CI {low} to {high}).",
        ),
        "briefing.finding": Term(
            "{scenario}情景下，{figure}较{base}变化{diff}（95%置信区间 {low} 至 {high}），{verdict}{more}。",
            "Under {scenario}, {figure} changes by {diff} (95% CI {low} to {high}) from {base}: "
            "{verdict}{more}.",
        ),
        # what a difference means: its direction, its size relative to the reference's mean
        "briefing.longer": Term("延长", "longer"),
        "briefing.shorter": Term("缩短", "shorter"),
        "briefing.higher": Term("上升", "higher"),
        "briefing.lower": Term("下降", "lower"),
        "briefing.relative": Term(
            "；{direction}幅度相当于{base}均值的{rel}", "; {direction} by {rel} of {base}'s mean"
        ),
        "briefing.direction": Term("；{direction}", "; {direction}"),
        "briefing.gains_most": Term("；{group}受益最大（{diff}）", "; {group} gain most ({diff})"),
        "briefing.loses_most": Term("；{group}受损最大（{diff}）", "; {group} lose most ({diff})"),
        # the mechanism the records show: exits at the cap → vacancies let → the waiting list
        "briefing.fewer": Term("减少", "fewer"),
        "briefing.more": Term("增加", "more"),
        "briefing.grows": Term("增加", "grows"),
        "briefing.shrinks": Term("减少", "shrinks"),
        "briefing.mechanism": Term(
            "记录所示的机制：{scenario}情景下，因保障总年限届满而退出的租户{exits}（{d_exits}），"
            "腾出的房源随之{vacancies}，入住户数{moves}（{d_moves}）{waiting}。",
            "What the records show: under {scenario}, {exits} tenants leave at the total-tenure cap "
            "({d_exits}), so {vacancies} units fall vacant and {moves} households move in ({d_moves})"
            "{waiting}.",
        ),
        "briefing.mechanism_mixed": Term(
            "记录所示：{scenario}情景下，因保障总年限届满而退出的租户{exits}（{d_exits}），"
            "入住户数则{moves}（{d_moves}）{waiting}。",
            "What the records show: under {scenario}, {exits} tenants leave at the total-tenure cap "
            "({d_exits}) while {moves} households move in ({d_moves}){waiting}.",
        ),
        "briefing.mechanism_waiting": Term(
            "，轮候户数随之{direction}（{diff}）", ", and the waiting list {direction} ({diff})"
        ),
        "briefing.not_shown": Term(
            "以下图表在所有情景和各次重复中均为零，未予列出：{charts}。",
            "Not shown, being zero in every scenario and replication: {charts}.",
        ),
        # inputs not yet calibrated (references starting ASSUMED)
        "briefing.caveat.title": Term(
            "未经校准的假设输入", "Inputs that are assumptions, not yet calibrated"
        ),
        "briefing.caveat.cover": Term(
            "{n}项输入为假设值，尚未校准：请引用情景间的差异，而非水平值。",
            "{n} inputs are assumptions, not yet calibrated: quote differences, not levels.",
        ),
        "briefing.caveat.intro": Term(
            "下列输入在情景文件中的依据以ASSUMED（假设）开头，尚未以数据校准。校准之前，不应引用模拟所得的"
            "水平值（如等候天数、轮候户数），只宜引用情景之间的差异。校准后的情景文件将其依据改为"
            "“CALIBRATED on …”或“estimated from …”，相应输入即不再列于此页。理由照录情景文件。",
            "These inputs have a reference starting ASSUMED in the scenario file: they are not calibrated "
            "to data. Until they are, levels (days waited, households waiting) should not be quoted, only "
            "differences between scenarios. A calibrated scenario file gives them a reference starting "
            "'CALIBRATED on ...' or 'estimated from ...', and they leave this page.",
        ),
        "briefing.caveat.only": Term("（仅{scenarios}）", " (only {scenarios})"),
        "briefing.caveat.input": Term("输入", "Input"),
        "briefing.caveat.reason": Term("假设理由（照录情景文件）", "Why assumed (the scenario file's words)"),
        "briefing.same": Term(
            "{scenario}情景下，{figure}与{base}完全相同（各次重复均无差异）。",
            "Under {scenario}, {figure} is the same as under {base} in every replication.",
        ),
        "briefing.significant": Term("差异显著", "significant"),
        "briefing.not_significant": Term(
            "差异不显著（区间包含零）", "not significant (the interval includes zero)"
        ),
        "briefing.groups": Term("谁受益、谁受损：", "Who gains and who loses: "),
        "briefing.suppressed": Term("已隐去（少于{n}户）", "suppressed (< {n})"),
    }
)
TERMS.update(
    {
        "chart.bars": Term(
            "柱为{n}次重复的均值，误差线为95%置信区间（t分布）",
            "Bar: mean of {n} replications; whisker: 95% CI (Student t)",
        ),
    }
)
TERMS.update(
    {
        "chart.run_year": Term("年度（自每年{date}起算）", "Year of the run (from {date} each year)"),
        "chart.left_axis": Term("左轴", "left axis"),
        "chart.right_axis": Term("右轴", "right axis"),
    }
)
TERMS.update({"chart.no_data": Term("无可显示的数据", "No data to show")})
# ---------------------------------------------------------------- policy explorer (analysis.explorer)
TERMS.update(
    {
        "explore.title": Term("静安区公共租赁住房规则探索", "Jing'an public rental housing: policy explorer"),
        "explore.language": Term("语言", "Language"),
        "explore.base": Term("基准情景", "Base scenario"),
        "explore.rules": Term("规则取值", "Rule values"),
        "explore.baseline_value": Term("基准：{value}", "baseline: {value}"),
        "explore.key.lease.max_total_years": Term(
            "享受保障总年限上限（年，第十七条）", "Cumulative cap on tenure, years (Art. 17)"
        ),
        "explore.key.queue.validity_years": Term(
            "准入资格有效期（年，第十九条）", "Queue validity of a qualification, years (Art. 19)"
        ),
        "explore.key.review.working_days": Term(
            "审核时限（工作日，第十一条）", "Review time limit, working days (Art. 11)"
        ),
        "explore.key.allocation.mode": Term("配租方式（第十五条）", "Allocation mode (Art. 15)"),
        "explore.key.allocation.batch_interval_days": Term(
            "集中配租间隔（天，第十五条）", "Batch allocation interval, days (Art. 15)"
        ),
        "explore.key.allocation.priority_rule": Term(
            "倾斜行业配租方式（第三条）", "Priority for public-service sectors (Art. 3)"
        ),
        "explore.key.allocation.priority_reserved_share": Term(
            "倾斜行业预留房源比例（0–1，第三条）", "Reserved share for priority sectors, 0–1 (Art. 3)"
        ),
        "explore.key.allocation.key_employer_rule": Term(
            "区重点单位职工优先方式（第九条）", "Priority for staff of district key employers (Art. 9)"
        ),
        "explore.key.allocation.mechanism": Term(
            "配租顺序（第九、十五、十六、十九条）", "Allocation mechanism (Art. 9, 15, 16, 19)"
        ),
        "explore.key.allocation.decline_share": Term(
            "放弃所选房源比例（0–1，参照房源，第十六条）",
            "Share of offers declined, 0–1, reference unit (Art. 16)",
        ),
        "explore.key.allocation.max_offers": Term(
            "每次资格可获配租次数（0为不限）", "Offers a qualification carries (0: no limit)"
        ),
        "explore.key.eligibility.max_area_per_capita_m2": Term(
            "人均住房建筑面积标准（平方米，低于此值可申请，第五条）",
            "Housing-area threshold, m² per person (Art. 5)",
        ),
        "explore.key.supply.target_units": Term("房源供应目标（套）", "Supply target, units"),
        "explore.key.supply.target_date": Term("供应目标完成日期", "Date of the supply target"),
        "explore.key.arrivals.applications_per_year": Term(
            "假设年申请量（户/年）", "Assumed demand, applications a year"
        ),
        "explore.choice.continuous": Term("常态化配租", "continuous"),
        "explore.choice.batch": Term("集中配租", "batch"),
        "explore.choice.none": Term("不倾斜", "none"),
        "explore.choice.tilt": Term("轮候时间加权", "seniority credit"),
        "explore.choice.reserved_share": Term("预留房源比例", "reserved share"),
        "explore.choice.strict": Term("优先配租", "strict priority"),
        "explore.choice.receipt_order": Term("按收件顺序轮候", "receipt order"),
        "explore.choice.lottery": Term("摇号", "lottery"),
        "explore.choice.points": Term("积分排序", "points"),
        "explore.choice.random_pool": Term("随机选取", "random pool"),
        "explore.reps": Term("重复次数", "Replications"),
        "explore.seed": Term("首个随机种子", "First seed"),
        "explore.run": Term("运行", "Run"),
        "explore.stop": Term("停止", "Stop"),
        "explore.running": Term(
            "正在运行：已完成{done}/{total}次重复（基准与方案使用相同种子）",
            "Running: {done} of {total} replications done (variant and base on the same seeds)",
        ),
        "explore.done": Term(
            "{variant}（{changes}）与{base}的比较：各{n}次重复，随机种子{seeds}（共同随机数）",
            "{variant} ({changes}) against {base}: {n} replications each, seeds {seeds} "
            "(common random numbers)",
        ),
        "explore.unchanged": Term("未修改规则", "no change"),
        "explore.stopped": Term(
            "已停止；已完成的重复保存在结果库中，下次运行直接复用",
            "Stopped; finished replications are kept in the result store and reused by the next run",
        ),
        "explore.failed": Term("运行失败：{message}", "Run failed: {message}"),
        "explore.fix_errors": Term("请先更正标红的数值", "Correct the values marked in red first"),
        "explore.no_results": Term(
            "尚未运行：修改规则后点击“运行”", "Nothing run yet: change a rule value and press Run"
        ),
        "explore.stale": Term(
            "规则已修改：图表仍为上次运行的结果，点击“运行”更新",
            "The rules changed since the last run: the charts are the last run's; press Run to update",
        ),
        "explore.changes": Term("已修改{n}项：{keys}", "{n} changed: {keys}"),
        "explore.no_changes": Term(
            "未修改任何规则（方案与基准相同）", "No rule changed (the variant is the base)"
        ),
        "explore.save": Term("另存为情景", "Save as scenario"),
        "explore.name": Term("情景名称（文件名）", "Scenario name (file name)"),
        "explore.description": Term("说明（可选）", "Description (optional)"),
        "explore.saved": Term("已保存：{path}", "Saved: {path}"),
        "explore.briefing": Term("生成简报", "Briefing"),
        "explore.briefing_running": Term("正在生成简报……", "Writing the briefing..."),
        "explore.briefing_done": Term("简报已生成：{path}", "Briefing written: {path}"),
        "explore.briefing_needs_run": Term("请先运行，再生成简报", "Run first, then write the briefing"),
        "explore.download": Term("下载简报PDF", "Download the briefing PDF"),
        "explore.store": Term("结果库：{path}", "Result store: {path}"),
    }
)
TERMS.update(
    {
        # calibration to aggregates (python run.py calibrate)
        "calib.title": Term("校准：观测值与模拟值", "Calibration: observed and simulated"),
        "calib.subtitle": Term(
            "校准后情景{n}次重复（相同随机种子）；横轴为与观测值之差，以观测标准差为单位",
            "Fitted scenario, {n} replications on common seeds; distance from the observed value in "
            "observation sds",
        ),
        "calib.axis": Term(
            "（模拟值 − 观测值）/ 观测标准差", "(simulated − observed) / sd of the observation"
        ),
        "calib.observed_band": Term("观测值 ±1、±2个标准差", "Observed, ±1 and ±2 sd"),
        "calib.fitted": Term("校准后情景：均值及95%置信区间", "Fitted scenario: mean and 95% CI"),
        "calib.base": Term("校准前（基准情景）", "Before calibration (base scenario)"),
        "calib.target": Term("观测指标", "Target"),
        "calib.observed": Term("观测值", "Observed"),
        "calib.sd": Term("标准差", "sd"),
        "calib.base_mean": Term("校准前", "Base"),
        "calib.simulated": Term("校准后", "Fitted"),
        "calib.z": Term("标准化误差", "Std. error"),
        "calib.parameter": Term("参数", "Parameter"),
        "calib.range": Term("搜索范围", "Range searched"),
        "calib.estimate": Term("估计值", "Estimate"),
        "calib.interval": Term("95%区间", "95% interval"),
        "calib.identified": Term("可识别", "Identified"),
        "calib.yes": Term("是", "yes"),
        "calib.no": Term("否（保留基准值）", "NO (base value kept)"),
        "calib.at": Term("{figure}（{date}）", "{figure} on {date}"),
        "key.queue.withdraw_hazard_per_year": Term(
            "轮候期间放弃资格的年风险率", "Withdrawal hazard while waiting"
        ),
        "key.exits.other_housing_per_year": Term("获得其他住房退出的年风险率", "Exit hazard: other housing"),
        "key.exits.job_change_per_year": Term("工作变动退出的年风险率", "Exit hazard: change of job"),
        "key.rent.discount_to_market": Term("租金低于市场的比例", "Rent discount to market", "share"),
    }
)
TERMS.update(
    {  # fit from micro data (calibration/microdata.py) and replay (calibration/replay.py)
        "micro.estimate": Term("估计项", "Estimate"),
        "micro.value": Term("估计值", "Value"),
        "micro.ci": Term("95%置信区间", "95% CI"),
        "micro.n": Term("样本数", "n"),
        "micro.check": Term("拟合检验", "Goodness of fit"),
        "micro.base_value": Term("基准值", "Base value"),
        "micro.base_in_ci": Term("基准值在区间内", "Base in CI"),
        "micro.km_title": Term(
            "租赁存续：Kaplan-Meier估计与拟合曲线", "Tenancies: Kaplan-Meier against fitted curves"
        ),
        "micro.km_subtitle": Term(
            "{file}，{n}段租赁（{truncated}段始于记录期前，{censored}段期末仍在租）；阴影为95%置信带",
            "{file}: {n} tenancies ({truncated} begun before the period, {censored} running at its end); "
            "band: 95% CI",
        ),
        "micro.km_any": Term("任一第二十三条退出事由", "Any Art. 23 exit"),
        "micro.km": Term("Kaplan-Meier估计", "Kaplan-Meier"),
        "micro.exponential": Term("常数风险（指数分布）", "Constant hazard (exponential)"),
        "micro.weibull": Term("威布尔分布", "Weibull"),
        "micro.years_in": Term("入住后年数", "Years since move-in"),
        "micro.not_exited": Term("尚未因该事由退出的比例", "Share not yet exited for this reason"),
        "micro.arrivals_title": Term(
            "每月新申请：实际与拟合的季节性", "New filings by month: recorded and fitted seasonality"
        ),
        "micro.arrivals_subtitle": Term(
            "{file}，{n}件首次申请；按日折算为每月30.44天",
            "{file}: {n} first filings; per 30.44-day month",
        ),
        "micro.filings_per_month": Term("每月新申请件数", "New filings per month"),
        "micro.recorded": Term("实际记录", "Recorded"),
        "micro.constant_rate": Term("常数到达率", "Constant rate"),
        "micro.seasonal_rate": Term("拟合的月度季节因子", "Fitted monthly factors"),
        "micro.suppressed_months": Term(
            "少于{n}件的月份已隐去", "months with fewer than {n} filings suppressed"
        ),
        "micro.group": Term("组别", "Group"),
        "micro.figure": Term("指标", "Figure"),
        "micro.simulated": Term("模拟均值", "Simulated mean"),
        "micro.sim_sd": Term("重复间标准差", "SD across replications"),
        "micro.z": Term("标准化差异", "z"),
        "micro.replay_qualified": Term("期内取得准入资格的比例", "Share qualified within the period"),
        "micro.replay_moved_in": Term("期内入住的比例", "Share moved in within the period"),
        "micro.replay_wait_mean": Term(
            "期内入住者申请至入住平均等候时间", "Mean wait to move-in of those housed"
        ),
        "micro.replay_wait_median": Term(
            "期内入住者申请至入住等候时间中位数", "Median wait to move-in of those housed"
        ),
        "micro.all": Term("全部", "All"),
        "micro.diff": Term("与第一个情景之差（95%置信区间）", "Difference from the first (95% CI)"),
        "micro.scenario": Term("情景", "Scenario"),
        "micro.yes": Term("是", "yes"),
        "micro.no": Term("否", "NO"),
    }
)
TERMS.update(
    {
        # daily figures a calibration target may name with a date (calibration/targets.py)
        "daily.units_occupied": Term("已入住房源", "Occupied units", "units"),
        "daily.units_vacant": Term("空置房源", "Vacant units", "units"),
        "daily.in_review": Term("审核中户数", "Households in review", "households"),
        "daily.in_transition": Term("过渡期内户数", "Households in transition", "households"),
        "daily.tenants": Term("在租户数", "Tenant households", "households"),
        "daily.offered": Term(
            "已选房待签约入住户数", "Households with a unit chosen, not yet moved in", "households"
        ),
        "daily.filing": Term(
            "材料待补正的申请户数", "Households whose incomplete file is returned", "households"
        ),
        "daily.applications": Term("当日申请户数", "Applications that day", "households"),
        "daily.qualifications": Term("当日取得准入资格户数", "Qualifications that day", "households"),
        "daily.move_ins": Term("当日入住户数", "Move-ins that day", "households"),
        "daily.lapses": Term("当日资格逾期失效户数", "Qualifications lapsed that day", "households"),
        "daily.units_ready": Term("可即时配租的空置房源", "Vacant units ready to let", "units"),
        "daily.declines": Term("当日放弃选房次数", "Offers declined that day", "offers"),
    }
)
TERMS.update(
    {
        # the wait figures a bureau publishes (sim/records.py: published_wait_12m, waited_so_far)
        "published_wait_12m_end": Term(
            "期末前12个月入住户申请至首次配租的平均等候时间",
            "Published wait at the end: housed in the past 12 months, application to first offer",
            "days",
        ),
        "waited_so_far_end": Term(
            "期末轮候户平均已等候时间（申请至期末）",
            "Time waited so far at the end by households on the waiting list (from application)",
            "days",
        ),
        "daily.published_wait_12m": Term(
            "前12个月入住户申请至首次配租的平均等候时间",
            "Mean wait of households housed in the past 12 months, application to first offer",
            "days",
        ),
        "daily.waited_so_far": Term(
            "轮候户平均已等候时间（申请至当日）",
            "Mean time waited so far by households on the waiting list (from application)",
            "days",
        ),
        "chart.published_waits.title": Term(
            "两种公布的等候时间：已入住户的等候与轮候户的已等候时间",
            "Two published waits: of those housed, and waited so far by those still waiting",
        ),
        "chart.published_waits.housed": Term(
            "实线：前12个月入住户，申请至首次配租",
            "Solid: housed in the past 12 months, application to first offer",
        ),
        "chart.published_waits.waiting": Term(
            "虚线：当日轮候户，申请至当日已等候", "Dashed: on the waiting list that day, waited so far"
        ),
        "chart.published_waits.note": Term(
            "周度取样；两者可反向变动", "weekly samples; the two can move in opposite directions"
        ),
        "briefing.published_waits": Term(
            "{scenario}：期末前12个月入住的家庭，从申请到首次配租平均等候{housed}；期末仍在轮候的家庭，"
            "从申请起平均已等候{so_far}。",
            "{scenario}: the households housed in the 12 months to the end had waited {housed} on average "
            "from application to first offer; those still on the waiting list at the end had waited "
            "{so_far} so far.",
        ),
        "briefing.published_waits.which": Term(
            "前者是已入住家庭的等候时间（即住房管理部门通常公布的平均轮候时间），后者是仍在轮候家庭的"
            "已等候时间；两者可反向变动：一次配租大批积压轮候户会拉长前者、缩短后者。",
            "The first is the wait of those housed (the average waiting time a housing bureau publishes), "
            "the second the time waited so far by those still waiting; they can move in opposite "
            "directions: housing a backlog raises the first while it shortens the second.",
        ),
    }
)
# ---------------------------------------------------------------- reform decomposition
# (analysis/reporting/charts/decompose.py, the decomposition section of analysis/reporting/briefing.py)
TERMS.update(
    {
        "decompose.waterfall.title": Term(
            "{figure}：各项改变的贡献", "{figure}: what each change contributes"
        ),
        "decompose.steps.title": Term("{figure}：逐项累加改变", "{figure}: changes added one after another"),
        "decompose.exact": Term(
            "沙普利值（精确，基于全部{subsets}个组合），每个组合{n}次重复",
            "Exact Shapley shares (all {subsets} subsets), {n} replications each",
        ),
        "decompose.sampled": Term(
            "沙普利值（抽样估计，非精确），每个组合{n}次重复",
            "Sampled Shapley estimate (not exact), {n} replications each",
        ),
        "decompose.steps_method": Term(
            "按所列顺序逐项累加改变，每步{n}次重复（共同随机数）",
            "Changes added in the order shown, {n} replications a step (common random numbers)",
        ),
        "decompose.whiskers": Term("误差线为95%置信区间", "whisker: 95% CI"),
        "decompose.total_whisker": Term(
            "改革情景柱上的误差线为总效应的95%置信区间", "The reform's whisker is the total effect's 95% CI"
        ),
        "decompose.interaction_note": Term(
            "交互作用（总效应减各项单独效应之和）{value}（{low} 至 {high}）",
            "interaction (total minus the changes alone) {value} ({low} to {high})",
        ),
        "decompose.keys": Term("各项改变所含情景参数", "Scenario keys of each change"),
        "decompose.increase": Term("上升", "Increase"),
        "decompose.decrease": Term("下降", "Decrease"),
        "decompose.level": Term("情景水平值", "Level of a scenario"),
        "decompose.step": Term("+ {change}", "+ {change}"),
        "decompose.total": Term("总效应", "Total"),
        "decompose.groups.title": Term(
            "各项改变下各类申请人平均等候时间的变化（沙普利值）",
            "Mean wait by group of applicants: each change's Shapley share",
        ),
        "decompose.groups.note": Term(
            "点为沙普利值，横线为95%置信区间；{method}",
            "Dot: Shapley share, bar: 95% CI; {method}",
        ),
        "decompose.change": Term("改变", "Change"),
        "decompose.group": Term("申请人类别", "Group of applicants"),
        "decompose.share": Term("沙普利值", "Shapley share"),
        # the briefing's section
        "briefing.decompose.title": Term("改革效应分解", "What each change of the reform does"),
        "briefing.decompose.table": Term(
            "各项改变对各类申请人平均等候时间的影响（沙普利值，天）",
            "Each change's share of the change in mean wait, by group (Shapley, days)",
        ),
        "briefing.decompose.method": Term(
            "效应分解：{reform}相对{base}共有{k}项改变；{method}。",
            "Decomposition: {reform} makes {k} changes to {base}; {method}.",
        ),
        "briefing.decompose.figure": Term(
            "{figure}：{reform}较{base}变化{total}（95%置信区间 {low} 至 {high}），其中{change}贡献最大"
            "（{share}，{share_low} 至 {share_high}）{against}；{interaction}。",
            "{figure}: {reform} changes it by {total} (95% CI {low} to {high}) from {base}; {change} "
            "contributes most ({share}, {share_low} to {share_high}){against}; {interaction}.",
        ),
        "briefing.decompose.against": Term(
            "，{change}则作用相反（{share}）", ", while {change} works the other way ({share})"
        ),
        "briefing.decompose.reinforce": Term(
            "各项改变相互加强：交互作用为{value}（{low} 至 {high}），合并实施的效应大于各项单独效应之和",
            "the changes reinforce each other: the interaction is {value} ({low} to {high}), so together "
            "they do more than the sum of each alone",
        ),
        "briefing.decompose.cancel": Term(
            "各项改变相互抵消：交互作用为{value}（{low} 至 {high}），合并实施的效应小于各项单独效应之和",
            "the changes partly cancel each other: the interaction is {value} ({low} to {high}), so "
            "together they do less than the sum of each alone",
        ),
        "briefing.decompose.independent": Term(
            "未见交互作用：交互作用为{value}，其区间（{low} 至 {high}）包含零，各项改变可视为相互独立",
            "no interaction shows: the interaction is {value} and its interval ({low} to {high}) includes "
            "zero, so the changes act as if independent",
        ),
    }
)
# ---------------------------------------------------------------- robustness to the assumed inputs
# (analysis/reporting/charts/robustness.py, the robustness section of analysis/reporting/briefing.py)
TERMS.update(
    {
        "robust.influence.title": Term(
            "{figure}之差取决于哪些假设", "{figure}: what the difference depends on"
        ),
        "robust.influence.x.morris": Term(
            "Morris μ*：参数跨其合理区间时差值的平均变化",
            "Morris μ*: mean change of the difference across an input's range",
        ),
        "robust.influence.x.sobol": Term(
            "Sobol总效应指数：差值方差中归于该参数的比例",
            "Sobol total index: share of the difference's variance due to the input",
        ),
        "robust.influence.note": Term(
            "误差线为95%自助法置信区间；虚线为噪声基线", "whisker: 95% bootstrap CI; dashed line: noise floor"
        ),
        "robust.influence.more": Term(
            "另有{n}项参数，其指数均不超过{value}", "{n} more inputs, all at most {value}"
        ),
        "robust.second.morris": Term("σ（非线性或交互作用）", "σ (non-linearity, interaction)"),
        "robust.second.sobol": Term("Sobol一阶指数", "Sobol first-order index"),
        "robust.above_noise": Term(
            "明显高于噪声基线（95%置信区间下限以上）", "Above the noise floor (its whole 95% CI)"
        ),
        "robust.within_noise": Term("未明显高于噪声基线", "Not clearly above the noise floor"),
        "robust.difference_of": Term("{variant}与{base}之差", "{variant} minus {base}"),
        "robust.design.morris": Term(
            "{clusters}条Morris轨迹，每点{reps}次重复",
            "{clusters} Morris trajectories, {reps} replications a point",
        ),
        "robust.design.sobol": Term(
            "{clusters}个Sobol基础样本，每点{reps}次重复",
            "{clusters} Sobol base samples, {reps} replications a point",
        ),
        "briefing.robust.group": Term("一组{n}项假设（{inputs}）", "a group of {n} inputs ({inputs})"),
        "robust.group": Term("{group}（假设组）", "{group} (group)"),
        "robust.group.long": Term(
            "{group}（一组假设，各在其区间内的平均位置，0为下限、1为上限）",
            "{group} (a group of assumptions: their mean position in their ranges, 0 low, 1 high)",
        ),
        "robust.difference.title": Term(
            "{figure}之差与两项最主要的假设",
            "{figure}: difference by its top two assumptions",
        ),
        "robust.difference.y": Term("差值", "difference"),
        "robust.difference.note": Term(
            "每点为一个取样点{n}次重复的均值（共{points}个点）",
            "each dot: a design point, mean of its {n} replication(s) ({points} points)",
        ),
        "robust.at_own": Term(
            "情景本身取值下的差值（{value}）", "difference at the scenarios' own values ({value})"
        ),
        "robust.holds": Term(
            "在{share}的合理情形中成立 [{low}, {high}]",
            "holds in {share} of plausible worlds [{low}, {high}]",
        ),
        # the briefing's page
        "briefing.robust.title": Term(
            "结论对假设参数是否稳健", "Does the conclusion survive what we had to assume?"
        ),
        "briefing.robust.conclusion": Term(
            "结论：在两个情景本身的参数取值下，{variant}情景的{figure}较{base}{direction}{size}"
            "（95%置信区间 {low} 至 {high}，{n}次重复）{caveat}。",
            "Conclusion: at the scenarios' own values, {figure} under {variant} is {direction} than under "
            "{base} by {size} (95% CI {low} to {high}, {n} replications){caveat}.",
        ),
        "briefing.robust.not_significant": Term(
            "；置信区间包含零，该取值下差值的方向本身尚不确定",
            "; the interval includes zero, so even the direction at these values is uncertain",
        ),
        "briefing.robust.no_difference": Term(
            "在两个情景本身的参数取值下，{variant}与{base}的{figure}在每次重复中均相同，无方向可检验。",
            "At the scenarios' own values, {variant} and {base} give the same {figure} in every replication: "
            "there is no direction to test.",
        ),
        "briefing.robust.holds": Term(
            "该结论{holds}：在各假设参数的合理区间内取样的{points}个点中（{design}），差值方向与之相同的比例"
            "（置信区间把每条轨迹计为一次抽样）；这些点上差值介于{p05}至{p95}之间（第5至第95百分位）。",
            "It {holds}: the share of the {points} points sampled over the assumptions' plausible ranges "
            "({design}) where the difference keeps its sign (the interval counts each trajectory as one "
            "draw); across them the difference runs from {p05} to {p95} (5th to 95th percentile).",
        ),
        "briefing.robust.depends": Term(
            "其大小最依赖以下{k}项假设（按{score}排序，均高于噪声基线{floor}）：",
            "Its size depends most on these {k} assumptions (ranked by {score}, each above the noise floor "
            "of {floor}):",
        ),
        "briefing.robust.fewer": Term(
            "在{n}项取样的假设参数中，只有{k}项对差值的影响超过噪声基线（{floor}，仅改变随机种子时的{score}）；"
            "其余参数的影响在当前取样规模下与随机波动无法区分。",
            "Only {k} of the {n} ranged assumptions move the difference beyond the noise floor ({floor}, the "
            "{score} of changing the seeds alone); the others cannot be told from replication noise at this "
            "design's size.",
        ),
        "briefing.robust.none": Term(
            "{n}项取样的假设参数对差值的影响均未超过噪声基线（{floor}，仅改变随机种子时的{score}）："
            "在其合理区间内，差值的变化与随机波动无法区分，"
            "或取样规模太小而无法分辨（可增加 --samples 或 --reps）。",
            "None of the {n} ranged assumptions moves the difference beyond the noise floor ({floor}, the "
            "{score} of changing the seeds alone): across their plausible ranges it cannot be told from "
            "replication noise, or the design is too small to tell (more --samples or --reps).",
        ),
        "briefing.robust.input": Term(
            "{label}（{name}），假设取值{range}：{score} {value} [{low}, {high}]。"
            "可确定该参数的数据：{settled_by}。",
            "{label} ({name}), assumed {range}: {score} {value} [{low}, {high}]. Data that would settle "
            "it: {settled_by}.",
        ),
        "briefing.robust.method": Term(
            "方法：{ranged}项假设参数在其合理区间（{source}）内取样，{design}；"
            "两个情景在每个取样点使用相同的随机种子，另设一个只改变随机种子的参数，其指数即噪声基线；"
            "另有{held}项假设参数保持情景本身的取值（见 inputs.csv）。",
            "How: {ranged} assumed inputs were sampled over their plausible ranges ({source}), {design}; "
            "both scenarios ran on the same seeds at every point, and one more input that only moves the "
            "seeds gives the noise floor; {held} assumed inputs were held at the scenarios' values "
            "(inputs.csv).",
        ),
        "briefing.robust.sobol": Term(
            "，随后对筛选保留的{k}项参数计算Sobol指数（{design}）",
            ", then Sobol indices of the {k} inputs the screening kept ({design})",
        ),
        "briefing.robust.other": Term(
            "{figure}：情景本身取值下差值为{diff}，{holds}。",
            "{figure}: {diff} at the scenarios' own values; it {holds}.",
        ),
        "briefing.robust.score.morris": Term("Morris μ*", "Morris μ*"),
        "briefing.robust.score.sobol": Term("Sobol总效应指数", "Sobol total index"),
    }
)

# ---------------------------------------------------------------- every other scenario key (sim.schema.KEYS)
# ``key.<dotted key>``: how charts, briefings, titles (``analysis.reporting.titles.changes_text``), sweeps
# and robustness charts name a key. The keys the charts use most are named above; these name the rest, in
# the measures' words where the key names a rule. A unit only where one of ``unit.*`` fits; the months of
# lease and transition keys are said in the name.
TERMS.update(
    {
        # calendar
        "key.calendar.start_date": Term("模拟起始日期", "Start date"),
        "key.calendar.horizon_years": Term("模拟年限", "Horizon", "years"),
        "key.calendar.holidays": Term("法定节假日", "Public holidays"),
        "key.calendar.makeup_workdays": Term("调休上班日", "Make-up working days"),
        # arrivals (Art. 3, 4, 9)
        "key.arrivals.kind_shares": Term("单身、家庭、单位申请占比", "Shares of applicant kinds"),
        "key.arrivals.family_size": Term("家庭申请人口数分布", "Family sizes"),
        "key.arrivals.employer_block": Term("单位申请每批职工户数", "Staff households per employer filing"),
        "key.arrivals.priority_sector_share": Term(
            "倾斜行业申请户比例", "Share from priority sectors", "share"
        ),
        "key.arrivals.priority_sector_split": Term("倾斜行业构成", "Split of priority sectors"),
        "key.arrivals.frontline_share": Term("一线职工比例", "Share of front-line staff", "share"),
        "key.arrivals.key_employer_share": Term(
            "区重点单位申请比例", "Share of employer filings from key employers", "share"
        ),
        "key.arrivals.incomplete_share": Term("申请材料未齐备比例", "Share of incomplete files", "share"),
        "key.arrivals.resubmit_days": Term("补正申请材料时间", "Time to complete a returned file", "days"),
        "key.arrivals.abandon_incomplete_share": Term(
            "退还材料后不再申请比例", "Share of returned files abandoned", "share"
        ),
        "key.arrivals.reapply_share": Term("重新申请比例", "Share who apply again", "share"),
        "key.arrivals.reapply_delay_days": Term("重新申请间隔", "Delay before applying again", "days"),
        "key.arrivals.reapply_barred_exits": Term("不再申请的退出事由", "Exits after which none apply again"),
        "key.arrivals.rent_elasticity": Term(
            "申请量对租金优惠的弹性", "Demand response to the rent discount"
        ),
        "key.arrivals.monthly_factors": Term("各月申请量系数", "Monthly filing factors"),
        "key.arrivals.replay": Term("回放的申请记录", "Replayed applications"),
        # households (Art. 5, 6, 10)
        "key.households.residence_status_share": Term(
            "具有本市户口或居住证比例", "Share with hukou or residence permit", "share"
        ),
        "key.households.contract_years": Term("劳动合同期限", "Labour contract length", "years"),
        "key.households.social_insurance_share": Term(
            "缴纳社会保险金比例", "Share paying social insurance", "share"
        ),
        "key.households.housed_share": Term(
            "在本市拥有住房比例", "Share holding housing in Shanghai", "share"
        ),
        "key.households.area_per_capita_m2": Term("人均住房建筑面积", "Housing area a person", "m2"),
        "key.households.suburban_hukou_housing_share": Term(
            "仅有郊区户籍地住房比例", "Share holding only suburban hukou housing", "share"
        ),
        "key.households.suburban_area_per_capita_m2": Term(
            "郊区户籍地住房人均面积", "Suburban hukou housing area a person", "m2"
        ),
        "key.households.other_benefit_share": Term(
            "已享受廉租或共有产权住房比例", "Share in low-rent or shared-ownership housing", "share"
        ),
        "key.households.simultaneous_application_share": Term(
            "同时申请其他保障性住房比例", "Share applying for other subsidised housing", "share"
        ),
        # eligibility (Art. 5, 6, 10)
        "key.eligibility.min_contract_years": Term("劳动合同最短期限", "Minimum labour contract", "years"),
        "key.eligibility.require_social_insurance": Term("须缴纳社会保险金", "Social insurance required"),
        "key.eligibility.require_residence_status": Term(
            "须有本市户口或居住证", "Hukou or residence permit required"
        ),
        "key.eligibility.exclude_other_benefits": Term(
            "已享受廉租或共有产权住房者不得申请", "Holders of other housing benefits excluded"
        ),
        "key.eligibility.exclude_simultaneous_applications": Term(
            "不得同时申请其他保障性住房", "No simultaneous applications"
        ),
        "key.eligibility.count_suburban_hukou_housing": Term(
            "郊区户籍地住房计入面积", "Suburban hukou housing counted"
        ),
        "key.eligibility.suburban_exempt_qualified_before": Term(
            "郊区户籍地住房不计面积的资格取得日期", "Suburban housing left out if qualified before"
        ),
        # review (Art. 11-14, 25-26)
        "key.review.duration_working_days": Term("审核用时", "Review duration", "working_days"),
        "key.review.capacity_per_working_day": Term("每工作日审核件数上限", "Reviews a working day"),
        "key.review.publicity_days": Term("公示期", "Publicity period", "days"),
        "key.review.tipoff_share": Term("公示期间被实名举报比例", "Share tipped off", "share"),
        "key.review.tipoff_working_days": Term("举报核查时限", "Tip-off check time limit", "working_days"),
        "key.review.tipoff_duration_working_days": Term(
            "举报核查用时", "Tip-off check duration", "working_days"
        ),
        "key.review.tipoff_upheld_share": Term("举报经核查成立比例", "Share of tip-offs upheld", "share"),
        "key.review.appeal_share": Term("申请复核比例", "Share asking for a re-check", "share"),
        "key.review.appeal_working_days": Term("复核时限", "Re-check time limit", "working_days"),
        "key.review.appeal_upheld_share": Term("复核改变审核结果比例", "Share of re-checks upheld", "share"),
        "key.review.false_share": Term("虚假申报比例", "Share of false declarations", "share"),
        "key.review.false_detect_share": Term(
            "虚假申报查出比例", "Share of false declarations caught", "share"
        ),
        "key.review.final_refusals": Term("复核不能改变的审核未通过", "Refusals a re-check cannot overturn"),
        # queue (Art. 19)
        "key.queue.change_hazard_per_year": Term(
            "轮候期间情况变化重新审核的年风险率", "Hazard of changed circumstances while waiting"
        ),
        "key.queue.carry_over_priority": Term("下批次优先配租", "Priority in the next batch"),
        "key.queue.initial_waiting": Term("期初轮候户数", "Households waiting at the start", "households"),
        "key.queue.initial_certificate_age_years": Term(
            "期初准入资格已持有年限", "Age of qualifications at the start", "years"
        ),
        # allocation (Art. 3, 7, 9, 15-18)
        "key.allocation.mode": Term("配租方式", "Allocation mode"),
        "key.allocation.priority_rule": Term("倾斜行业配租方式", "Priority rule for priority sectors"),
        "key.allocation.priority_weight": Term(
            "倾斜行业职工轮候时间加权", "Seniority credit for priority sectors", "days"
        ),
        "key.allocation.key_employer_rule": Term("区重点单位优先方式", "Priority rule for key employers"),
        "key.allocation.key_employer_reserved_share": Term(
            "区重点单位预留房源比例", "Vacancies reserved for key employers", "share"
        ),
        "key.allocation.mechanism": Term("配租顺序", "Allocation mechanism"),
        "key.allocation.lottery_draw": Term("摇号方式", "Lottery draw"),
        "key.allocation.lottery_weight_per_failure": Term(
            "每批未配租成功增加的摇号权重", "Ballot weight per failed batch"
        ),
        "key.allocation.lottery_decline_keeps_place": Term(
            "放弃选房后保留摇号顺位", "A decline keeps the ballot's place"
        ),
        "key.allocation.points_per_year_waiting": Term("轮候每年积分", "Points a year of waiting"),
        "key.allocation.points_per_person": Term("每人积分", "Points a person"),
        "key.allocation.points_priority_sector": Term("倾斜行业积分", "Points for priority sectors"),
        "key.allocation.points_key_employer": Term("区重点单位积分", "Points for key employers"),
        "key.allocation.points_per_m2_below_line": Term(
            "人均面积低于标准每平方米积分", "Points per m² below the area line"
        ),
        "key.allocation.decline_share": Term("放弃选房比例", "Share of offers declined", "share"),
        "key.allocation.choice_household_sd": Term(
            "选房挑剔程度的户间差异", "Spread of households' choosiness"
        ),
        "key.allocation.choice_project_sd": Term("项目吸引力差异", "Spread of projects' appeal"),
        "key.allocation.choice_per_area_doubling": Term("选房：面积加倍的影响", "Choice: doubling the area"),
        "key.allocation.choice_reference_m2_per_person": Term(
            "选房：参照人均居住面积", "Choice: reference living area a person", "m2"
        ),
        "key.allocation.choice_per_1000_yuan": Term(
            "选房：月租金每高1000元的影响", "Choice: 1,000 yuan more rent"
        ),
        "key.allocation.choice_reference_rent": Term(
            "选房：参照月租金（元）", "Choice: reference rent, yuan a month"
        ),
        "key.allocation.choice_type_one_bed": Term("选房：1居室的影响", "Choice: one-bedroom unit"),
        "key.allocation.choice_type_two_bed": Term("选房：2居室的影响", "Choice: two-bedroom unit"),
        "key.allocation.choice_type_multi_bed": Term(
            "选房：3居室及以上的影响", "Choice: three bedrooms or more"
        ),
        "key.allocation.choice_type_shared_room": Term(
            "选房：拆套房间的影响", "Choice: room in a split suite"
        ),
        "key.allocation.decline_cap": Term("放弃选房次数上限", "Declines before a penalty", "offers"),
        "key.allocation.decline_penalty": Term("多次放弃选房的处理", "Penalty for repeated declines"),
        "key.allocation.max_offers": Term(
            "每次准入资格可获配租次数", "Offers a qualification carries", "offers"
        ),
        "key.allocation.offer_to_sign_days": Term("选房至签约时间", "Choice to signing", "days"),
        "key.allocation.sign_refusal_share": Term(
            "选房后不签约比例", "Share not signing after choosing", "share"
        ),
        "key.allocation.move_in_working_days": Term("入住时限", "Move-in time limit", "working_days"),
        "key.allocation.move_in_window_share": Term(
            "入住时点占入住时限的比例", "Move-in point within the time limit", "share"
        ),
        "key.allocation.no_show_share": Term("逾期不办理入住比例", "Share not moving in in time", "share"),
        "key.allocation.min_living_area_m2_per_person": Term(
            "人均居住面积下限", "Minimum living area a person", "m2"
        ),
        "key.allocation.single_unit_types": Term("单身申请人可承租房型", "Unit types for single applicants"),
        "key.allocation.family_unit_types": Term("家庭申请人可承租房型", "Unit types for families"),
        "key.allocation.frontline_unit_types": Term(
            "一线职工可承租房型（拆套）", "Unit types for front-line staff"
        ),
        # penalties (Art. 19, 23, 26)
        "key.penalties.lapse_ban_years": Term("轮候逾期后不得申请期限", "Ban after a lapse", "years"),
        "key.penalties.lapse_ban_exception": Term("轮候逾期的除外情形", "Exception to the lapse ban"),
        "key.penalties.false_declaration_ban_years": Term(
            "虚假申报后不得申请期限", "Ban after a false declaration", "years"
        ),
        "key.penalties.forced_exit_ban_years": Term(
            "限期收回后不得申请期限", "Ban after a forced exit", "years"
        ),
        "key.penalties.decline_ban_years": Term(
            "多次放弃选房后不得申请期限", "Ban after repeated declines", "years"
        ),
        # lease (Art. 17, 20, 24)
        "key.lease.term_years": Term("租赁合同期限", "Lease term", "years"),
        "key.lease.renewal_notice_months": Term("期满前申请续租的月数", "Months' notice to renew"),
        "key.lease.renewal_apply_share": Term("按时申请续租比例", "Share applying to renew in time", "share"),
        "key.lease.renewal_review": Term("续租资格审核方式", "Renewal re-review"),
        "key.lease.renewal_pass_share": Term(
            "续租审核通过比例", "Share passing the renewal re-review", "share"
        ),
        "key.lease.renewal_residual_fail_share": Term(
            "续租审核因其他原因未通过比例", "Share failing the re-review for other reasons", "share"
        ),
        "key.lease.circumstance_change_per_year": Term(
            "租期内情况变化的年风险率", "Hazard of changed circumstances in a tenancy"
        ),
        "key.lease.offplan_purchase_per_year": Term(
            "购买期房的年风险率", "Hazard of buying an off-plan home"
        ),
        # rent (Art. 21, 23)
        "key.rent.market_rent_m2_month": Term(
            "市场租金评估价（元/平方米·月）", "Appraised market rent, yuan per m² a month"
        ),
        "key.rent.market_growth_per_year": Term("市场租金年增长率", "Market rent growth a year"),
        "key.rent.appraisal_date": Term("市场租金评估日", "Rent appraisal date"),
        "key.rent.arrears_hazard_per_year": Term("拖欠租金的年风险率", "Arrears hazard"),
        "key.rent.arrears_limit": Term("收回前累计拖欠租金次数", "Arrears that end a tenancy"),
        # exits (Art. 23), yearly hazards
        "key.exits.marital_change_per_year": Term(
            "婚姻状况变化退出的年风险率", "Exit hazard: change in marital status"
        ),
        "key.exits.employer_withdrawal_per_year": Term(
            "单位取消承租资格退出的年风险率", "Exit hazard: employer withdrew the tenancy"
        ),
        "key.exits.employer_relocation_per_year": Term(
            "单位迁出本区的年风险率", "Exit hazard: employer moved out of the district"
        ),
        "key.exits.other_per_year": Term("其他原因退出的年风险率", "Exit hazard: other reasons"),
        "key.exits.unreported_change_per_year": Term(
            "情况变化未主动退出的年风险率", "Hazard: changed circumstances not reported"
        ),
        "key.exits.nuisance_per_year": Term("损害公共利益的年风险率", "Hazard: harm to the public interest"),
        "key.exits.subletting_per_year": Term("转借转租的年风险率", "Hazard: lending or subletting"),
        "key.exits.change_of_use_per_year": Term("改变用途的年风险率", "Hazard: change of use"),
        "key.exits.damage_per_year": Term("改变或损坏房屋的年风险率", "Hazard: alteration or damage"),
        "key.exits.absence_per_year": Term(
            "累计6个月以上未居住的年风险率", "Hazard: absent 6 months or more"
        ),
        "key.exits.violation_per_year": Term("其他违规行为的年风险率", "Hazard: other breaches"),
        # transition (Art. 24)
        "key.transition.offplan_delivery_months": Term("购买期房至交付的月数", "Months to off-plan delivery"),
        "key.transition.after_delivery_months": Term(
            "期房交付后过渡期月数", "Transition months after delivery"
        ),
        "key.transition.other_share": Term(
            "其他退出给予过渡期比例", "Share of other exits with a transition", "share"
        ),
        "key.transition.other_months": Term("过渡期月数", "Transition months"),
        "key.transition.forced_exit_transition": Term("限期收回给予过渡期", "Transition after a forced exit"),
        "key.transition.capped_market_stay_share": Term(
            "保障期满按市场租金过渡比例", "Share of capped tenants staying at market rent", "share"
        ),
        "key.transition.capped_market_stay_months": Term(
            "保障期满按市场租金过渡月数", "Months of market-rent stay after the cap"
        ),
        # supply (Art. 2, 7, 8; the 14th five-year plan)
        "key.supply.initial_units": Term("期初房源", "Units at the start", "units"),
        "key.supply.initial_occupancy": Term("期初房源入住比例", "Occupied share at the start", "share"),
        "key.supply.initial_held_share": Term(
            "期初承租人已享受保障年限比例", "Share of the total tenure held at the start", "share"
        ),
        "key.supply.target_counts": Term("房源目标口径", "What the supply target counts"),
        "key.supply.target_date": Term("房源目标完成日期", "Date of the supply target"),
        "key.supply.project_interval_days": Term("项目供应间隔", "Interval between projects", "days"),
        "key.supply.projects": Term("项目供应方案", "Supply projects"),
        "key.supply.mix": Term("房型构成", "Unit mix"),
        "key.supply.operator_shares": Term("各运营机构项目比例", "Operators' shares of projects"),
        "key.supply.turnaround_days": Term("房源再次供应前修缮时间", "Repairs between tenancies", "days"),
        # start
        "key.start.snapshot": Term("起始状态快照", "Start snapshot"),
        "key.start.supply": Term("快照后的房源来源", "Supply after the snapshot"),
        # analysis (yardsticks; Art. 27)
        "key.analysis.min_cell": Term("公布组别最少户数", "Smallest cell shown", "households"),
        "key.analysis.warmup_days": Term("预热期", "Warm-up", "days"),
        "key.analysis.cohort_margin_days": Term("统计申请截止前的留空时间", "Cohort margin", "days"),
        "key.analysis.need_per_person": Term("住房需要评分：每人", "Need score: per person"),
        "key.analysis.need_priority_sector": Term("住房需要评分：倾斜行业", "Need score: priority sectors"),
        "key.analysis.need_key_employer": Term("住房需要评分：区重点单位", "Need score: key employers"),
        "key.analysis.need_per_m2_below_line": Term(
            "住房需要评分：人均面积低于标准每平方米", "Need score: per m² below the line"
        ),
        "key.analysis.need_area_line_m2": Term("住房需要评分的面积标准", "Area line of the need score", "m2"),
        "key.analysis.need_quantile": Term("高住房需要的分位数", "Quantile of highest need", "share"),
        "key.analysis.oversize_factor": Term("超标准面积倍数", "Oversize factor"),
    }
)
