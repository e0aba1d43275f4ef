# Messages shared by every command. One file per domain; the same ids in every language.

# Used by the catalog's own tests.
i18n-selftest = { $count ->
    [one] { $count } door, { $name }
   *[other] { $count } doors, { $name }
}

# Used by the catalog's own tests.
i18n-label-selftest = label

# Between the items of a list.
list-separator = ,{" "}

# Risk levels, advised actions, port classes (portwarden-kb).
risk-info = info
risk-low = low
risk-medium = medium
risk-high = high
risk-critical = critical
action-keep = keep
action-restrict = restrict
action-close = close
port-class-well-known = well-known (0-1023)
port-class-registered = registered (1024-49151)
port-class-dynamic = dynamic/private (49152-65535)
