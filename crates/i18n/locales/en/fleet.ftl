# Many hosts in one store: fleet questions, the store itself, the spool, the fleet report.

fleet-bad-host-id = { $value } is not a host id: 1 to 128 letters, digits, '-', '_', '.' or ':'
fleet-not-stored = the result was printed but NOT stored: { $why }
fleet-spooled = the store could not take the snapshot ({ $why }); it is kept in { $path } — `portwarden store flush --spool { $dir }` stores it later
fleet-spool-failed = the result was printed but NOT stored ({ $why }), and it could not be kept in { $dir } either: { $error }
fleet-no-snapshots = there are no snapshots in the store yet: save audits into it from each host (audit --save --store URL)
fleet-report-title = fleet of { $hosts ->
    [one] one host
   *[other] { $hosts } hosts
}
fleet-store-info = store { $location }: { $backend }, schema version { $version }
fleet-spool-not-a-file = not a regular file
fleet-spool-bad-uid = its snapshot id is not 32 hex digits
fleet-spool-empty = nothing to store: { $dir } holds no spooled snapshot
fleet-spool-bad-file = { $path } is not a spooled snapshot ({ $why }); it is left in place
fleet-flushed = stored { $stored } spooled { $stored ->
    [one] snapshot
   *[other] snapshots
} from { $dir }; { $left } left
fleet-no-listeners = No listener matches (fleet listeners reads each host's newest saved audit).
fleet-no-hosts = No host has saved an audit into this store yet.
fleet-no-changes = Nothing changed on any host in that time.
fleet-col-host = host [id]
fleet-col-door = port
fleet-col-exposure = exposure
fleet-col-product = product
fleet-col-program = program
fleet-col-target = target
fleet-col-score = risk
fleet-col-listeners = listeners
fleet-col-exposed = exposed
fleet-col-findings = findings c/h/m/l/i
fleet-col-when = newest audit
fleet-findings-legend = findings: critical/high/medium/low/info; risk = critical×1000 + high×100 + medium×10 + low
fleet-listener-count = { $count ->
    [one] one listener
   *[other] { $count } listeners
} on { $hosts ->
    [one] one host
   *[other] { $hosts } hosts
}
html-fleet-hosts = Hosts by risk
html-fleet-no-hosts = No host has saved an audit into this store yet.
html-fleet-col-host = Host
html-fleet-col-score = Risk
html-fleet-col-exposed = Exposed
html-fleet-changes = What changed where, since
