"""The centre's reports: 周公示 (weekly public ranking), 月通报 (monthly report with the 100-point
assessment) and 季评比 (quarterly ranking), as JSON, CSV and XLSX (docs/reports.md)."""
