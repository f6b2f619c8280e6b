//! corridor-report: the HTML report.
