"""Rent (Art. 21, 24): the yearly market appraisal, the PRH rent published from it, the rent of each lease
and of the stays after it, and the rent roll.

Art. 21: 本区公共租赁住房的租金按略低于市场评估价格的标准执行，定期调整 … 市场租金评估价有效期为1年。
在租赁合同期限内，租金不作调整。新签订租赁合同或合同到期后重新签订的，按最近一次向社会公布的租金价格执行.

- The market rent is appraised once a year, on ``rent.appraisal_date`` and each of its anniversaries (a
  29 February date falls on 1 March in other years); an appraisal is in force until the next one. The
  appraisal ``k`` years after ``rent.appraisal_date`` (``k`` < 0 before it) finds
  ``rent.market_rent_m2_month × (1 + rent.market_growth_per_year) ** k`` yuan per m² of living area a
  month.
- The rent published on a day is the unit's market rent (that figure times its living area) times
  ``1 − rent.discount_to_market`` in force that day, rounded to the nearest yuan a month (half up); the
  market rent of a unit is rounded the same way.
- A lease's rent is the rent published on the day it begins (a new lease or a renewal) and holds for the
  whole lease. The transitions of Art. 24(2)-(3) keep the old contract rent (按原合同约定租金计收); a
  capped tenant's stay (Art. 24(4): 按市场租金) pays the unit's market rent of the day the stay begins.
- The rent roll is the rent due: each day a unit is held costs its monthly rent / ``MONTH_DAYS``. It is
  summed by operator (Art. 2) and calendar year, over the days of the run.
"""

from __future__ import annotations

import datetime
import math
from array import array

import numpy as np
import pandas as pd

from .calendar import MONTH_DAYS

#: Columns of the ``rent_roll`` table: per operator and calendar year, unit-days let and rent due (yuan).
RENT_ROLL_COLUMNS = ("operator", "year", "unit_days", "rent_yuan")


def demand_factor(elasticity: float, discount: float) -> float:
    """How much a rent below market raises demand: ``1 + arrivals.rent_elasticity × (1 − rent / market)``,
    where the rent published is ``1 − rent.discount_to_market`` of the market rent appraised."""
    return 1.0 + elasticity * discount


def _yuan(x: float) -> float:
    """A monthly rent rounded to the nearest yuan, half up."""
    return float(math.floor(x + 0.5))


class RentSchedule:
    """The market rent appraised each year and the rent published from it (the module docstring).

    Args:
        start_date: the date of day 0.
        appraisal_date: the date of one appraisal (ISO); the others fall on its anniversaries.
        market_m2: the market rent that appraisal finds, yuan per m² of living area a month.
        growth: the change of the market rent from one appraisal to the next (0.02 = 2 % a year).
    """

    def __init__(self, start_date: datetime.date, appraisal_date: str, market_m2: float, growth: float):
        self.start_date = start_date
        self.anchor = datetime.date.fromisoformat(appraisal_date)
        self.market_m2_0 = float(market_m2)
        self.growth = float(growth)
        self._by_day: dict[int, float] = {}  # the market rent per m² in force, by calendar day

    def appraisal(self, day: float) -> int:
        """Whole years from ``rent.appraisal_date`` to the appraisal in force on simulated ``day``."""
        date = self.start_date + datetime.timedelta(days=math.floor(day))
        anchor = self.anchor
        year = date.year if (date.month, date.day) >= (anchor.month, anchor.day) else date.year - 1
        return year - anchor.year

    def market_m2(self, day: float) -> float:
        """The market rent per m² of living area a month appraised and in force on ``day`` (Art. 21:
        市场租金评估价有效期为1年)."""
        d = math.floor(day)
        found = self._by_day.get(d)
        if found is None:
            found = self._by_day[d] = self.market_m2_0 * (1.0 + self.growth) ** self.appraisal(d)
        return found

    def market(self, area: float, day: float) -> float:
        """The market rent of a unit of ``area`` m² of living area on ``day``, yuan a month (Art. 24(4))."""
        return _yuan(self.market_m2(day) * area)

    def published(self, area: float, day: float, discount: float) -> float:
        """The PRH rent published on ``day`` for a unit of ``area`` m², yuan a month (Art. 21:
        按略低于市场评估价格的标准执行)."""
        return _yuan(self.market_m2(day) * area * (1.0 - discount))


class RentRoll:
    """The rent due per operator and calendar year. Each rent period is kept as it ends (``add``: four
    numbers in typed arrays) and split by year once, in ``frame``.

    Args:
        start_date: the date of day 0.
        n_days: the days of the run; rent is counted over days ``[0, n_days)``.
    """

    def __init__(self, start_date: datetime.date, n_days: int):
        self.n_days = float(n_days)
        last = (start_date + datetime.timedelta(days=n_days - 1)).year
        self.years = list(range(start_date.year, last + 1))
        #: the day each calendar year of the run begins (the first: day 0) and the day after the run
        self.bounds = [
            0.0,
            *((datetime.date(y, 1, 1) - start_date).days for y in self.years[1:]),
            self.n_days,
        ]
        self.operators: dict[str, int] = {}
        self.operator = array("i")
        self.monthly, self.start, self.end = array("d"), array("d"), array("d")

    def add(self, operator: str, monthly: float, start: float, end: float) -> None:
        """A unit of ``operator`` let at ``monthly`` yuan a month over ``[start, end)``."""
        self.operator.append(self.operators.setdefault(operator, len(self.operators)))
        self.monthly.append(monthly)
        self.start.append(start)
        self.end.append(end)

    def frame(self, operators=()) -> pd.DataFrame:
        """The ``rent_roll`` table: one row per operator (``operators`` and those let) and calendar year,
        the days before day 0 and from ``n_days`` on left out."""
        op = np.frombuffer(self.operator, dtype=np.int32)
        monthly, start, end = (np.frombuffer(a, dtype=float) for a in (self.monthly, self.start, self.end))
        index = {name: i for i, name in enumerate(self.operators)}
        rows = []
        for name in sorted({*operators, *self.operators}):
            mine = op == index.get(name, -1)
            for year, y0, y1 in zip(self.years, self.bounds, self.bounds[1:], strict=False):
                days = np.clip(np.minimum(end[mine], y1) - np.maximum(start[mine], y0), 0.0, None)
                rows.append((name, year, float(days.sum()), float((days * monthly[mine]).sum() / MONTH_DAYS)))
        df = pd.DataFrame(rows, columns=list(RENT_ROLL_COLUMNS))
        df["operator"] = df["operator"].astype("string")
        return df.astype({"year": "int64", "unit_days": "float64", "rent_yuan": "float64"})


def sign_lease(m, h, day: float) -> None:
    """Art. 21: a new or renewed lease (新签订租赁合同或合同到期后重新签订的) takes the rent last published
    on the day it begins, and keeps it for the whole lease (在租赁合同期限内，租金不作调整)."""
    market = m.rents.market_m2(day) * h.unit.living_area
    h.market_rent = _yuan(market)
    h.rent = _yuan(market * (1.0 - m.r.discount))  # as ``RentSchedule.published``, the appraisal found once
    charge(m, h, h.rent, day)


def market_stay(m, h, day: float) -> None:
    """Art. 24(4): a tenant who has held PRH for the full total may stay on 按市场租金: the unit's market
    rent of the day the stay begins."""
    h.stay_rent = m.rents.market(h.unit.living_area, day)
    charge(m, h, h.stay_rent, day)


def charge(m, h, monthly: float, day: float) -> None:
    """From ``day`` on, ``h`` pays ``monthly`` yuan a month for its unit; what it paid before goes to the
    roll."""
    if h.charged == h.charged:  # not NaN: the period before ends
        m.rent_roll.add(h.unit.operator, h.charged, h.charged_since, day)
    h.charged, h.charged_since = monthly, day


def settle(m, h, day: float) -> None:
    """The rent ``h`` has been paying up to ``day`` goes to the roll; it pays nothing more until charged."""
    if h.charged == h.charged:  # not NaN
        m.rent_roll.add(h.unit.operator, h.charged, h.charged_since, day)
        h.charged = math.nan
