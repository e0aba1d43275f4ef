# Snapshots, diffs, the baseline.

history-no-snapshots-yet-audit-saves-one = No snapshots yet (audit saves one when run as root; ls and scan with --save).
history-time = time
history-kind = kind
history-target = target
history-listeners = listeners
history-findings = findings
history-host = host
history-at = at
history-listener = listener
history-finding = finding
history-port = port
history-no-changes = {"\u000A"}No changes.{"\u000A"}
history-none = (none)
history-new = new
history-gone = gone
history-changed = changed
history-the-baseline-is-empty-accept-a = The baseline is empty: accept a port or finding with `portwarden baseline accept`.
history-never-expires = never expires
history-expired = EXPIRED
history-expires = expires
history-by = by

# The name of a field that changed between two snapshots (diff).
history-field = { $name ->
   *[other] { $name }
}

# A changed field's value: our own words are translated, anything else is shown as is.
history-value = { $value ->
   *[other] { $value }
}
