"""One date format everywhere staff look (list, request page, exports' display): ISO 8601, as the
ledger, the letters' 文号 dates and the date inputs already write it. Other formats fall back to
Django's own locale files."""

DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "n月j日"
YEAR_MONTH_FORMAT = "Y年n月"
