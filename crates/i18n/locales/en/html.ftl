# The HTML report (portwarden report --html).

html-title = portwarden report
html-generated = Generated
html-live = live audit
html-summary = Summary
html-findings = Findings
html-listeners = Listeners
html-scans = Scan results
html-changes = Changes
html-actions = Actions journal
html-scanned-hosts = Scanned hosts
html-chart-severity = Findings by severity
html-chart-exposure = Listeners by exposure
html-no-findings = No findings: nothing risky is listening.
html-owner = Owner
html-owner-unknown = owner unknown
html-firewall = Firewall
html-why = Why
html-todo = What to do
html-command = Command
html-no-listeners = No listeners in this snapshot.
html-col-door = Port
html-col-addresses = Addresses
html-col-exposure = Exposure
html-col-owner = Owner
html-col-product = Product
html-col-firewall = Firewall
html-col-risk = Risk
html-col-port = Port
html-col-state = State
html-col-service = Service
html-col-time = Time
html-col-user = User
html-col-how = How
html-col-what = What
html-listeners-omitted = { $count ->
    [one] { $count } more loopback listener without risk is not listed ({ $total } listeners in all); it is reachable from this machine only.
   *[other] { $count } more loopback listeners without risk are not listed ({ $total } listeners in all); they are reachable from this machine only.
}
html-closed-ports = { $count ->
    [one] { $count } closed port not shown.
   *[other] { $count } closed ports not shown.
}
html-no-scans = No scan snapshot (portwarden scan --save).
html-no-open-ports = No open or filtered ports.
html-no-history = No earlier snapshot to compare with.
html-no-changes = Nothing changed.
html-no-actions = portwarden has not closed or opened anything.
html-footer = Made by portwarden. This file runs no script and loads nothing from the network.
html-exposure-all = all interfaces
html-exposure-address = one address
html-exposure-loopback = loopback
html-reach-open = open to all
html-reach-forwarded = forwarded (DNAT)
html-reach-limited = open to some
html-reach-blocked = blocked
html-reach-unknown = unknown
html-reach-local = local only
html-kind-backdoor-port = backdoor port
html-kind-exposed-service = exposed service
html-kind-local-service = local-only service
html-kind-hidden-owner = owner not visible
html-kind-unknown-listener = unknown listener
html-why-hidden-owner = A program listens on a network address, but its owner cannot be seen from here (another user's process or a kernel socket).
html-why-unknown = Nothing in the knowledge base explains this listener: an unknown program reachable from the network deserves a look.
html-do-generic = Find out what listens here; if it is not needed, close the port.
html-section-listener = listener
html-section-finding = finding
html-section-host = host
html-section-port = port
html-none = none
html-state-pending = pending
html-state-applied = applied
html-state-failed = failed
html-state-interrupted = interrupted
html-state-undone = undone { $at }
html-ports = { $count ->
    [one] { $count } port
   *[other] { $count } ports
}
html-texts-for = Why and what to do are written for { $door }; they read the same for each port above.
