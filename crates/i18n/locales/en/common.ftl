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
