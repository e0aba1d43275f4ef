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
kb-risk-info = info
kb-risk-low = low
kb-risk-medium = medium
kb-risk-high = high
kb-risk-critical = critical
kb-action-keep = keep
kb-action-restrict = restrict
kb-action-close = close
kb-port-class-well-known = well-known (0-1023)
kb-port-class-registered = registered (1024-49151)
kb-port-class-dynamic = dynamic/private (49152-65535)
