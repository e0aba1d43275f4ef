# The scan table (text output).

scan-table-open = open
scan-table-closed = closed
scan-table-filtered = filtered
scan-table-open-filtered = open|filtered
scan-table-scan-report-for = Scan report for
scan-table-host-did-not-answer-on-any = Host did not answer on any port (down or filtered).
scan-table-other-addresses-not-scanned = Other addresses (not scanned):
scan-table-no-open-ports-found = No open ports found.
scan-table-port = PORT
scan-table-state = STATE
scan-table-service = SERVICE
scan-table-risk = RISK
scan-table-advice = ADVICE
scan-table-identified = identified
scan-table-finding = finding
scan-table-banner = banner
scan-table-interrupted-results-are-partial = Interrupted: results are partial.
