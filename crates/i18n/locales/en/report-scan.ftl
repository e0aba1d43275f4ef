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
scan-table-host-up = Host is up ({ $latency }s latency).
scan-table-hidden-closed = closed
scan-table-hidden-filtered = filtered
scan-table-hidden-open-filtered = open|filtered
scan-table-not-shown-proto = Not shown: { $count } { $state } { $protocol } ports ({ $reason })
scan-table-hidden-closed-ports = closed ports
scan-table-hidden-filtered-ports = filtered ports
scan-table-hidden-open-filtered-ports = open|filtered ports
scan-table-hidden-reason = {" "}({ $reason })
scan-table-not-shown = Not shown: { $count } { $what }{ $why }
scan-table-off-port = {" "}— service on a port that is not its own (usually { $usual })
scan-table-tls = tls: { $version } { $alpn }, subject { $subject }, issuer { $issuer }, until { $until }
scan-table-summary = Scanned { $hosts } { $hosts ->
        [one] host
       *[other] hosts
    } ({ $up } up), { $ports } { $ports ->
        [one] port
       *[other] ports
    } each: { $open } open, in { $seconds } s.

# A weakness an identification probe proved (scan table). English shows the scanner's
# own sentence ($detail); other languages say it by the finding's id.
scan-finding-summary = { $id ->
   *[other] { $detail }
}

# The scan's progress bar on a terminal: "1234/65535 probes, ETA 3s".
scan-progress-probes = probes
scan-progress-eta = ETA
