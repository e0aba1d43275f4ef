# audit --baseline, when the baseline accepts every finding.

audit-baseline-all-accepted = { $count ->
    [one] No new findings: the { $count } finding is accepted by the baseline (portwarden baseline list).
   *[other] No new findings: all { $count } findings are accepted by the baseline (portwarden baseline list).
}
