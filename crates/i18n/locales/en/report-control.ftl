# Close/open plans, outcomes, the journal.

plan-plan-close = Plan: close
plan-by = by
plan-default-the-least-destructive-step-that = {" "}(default: the least destructive step that closes it from outside)
plan-nothing-listens-on-it-now = nothing listens on it now
plan-listening-on = listening on
plan-owner = owner
plan-some-owners-are-hidden-run-as = some owners are hidden: run as root to see them
plan-connected-clients-now = connected clients now
plan-steps = steps
plan-nothing-to-do = (nothing to do)
plan-overridden-by-force = overridden by --force:
plan-refused = refused:
plan-cannot-be-overridden = {" "}(cannot be overridden)
plan-recorded-as-action = recorded as action
plan-undo-with = undo with
plan-warning-the-port-still-answers = warning: the port still answers{"\u000A"}
plan-portwarden-has-done-nothing-to-this = portwarden has done nothing to this port that could be undone{"\u000A"}
plan-plan-open = Plan: open
plan-portwarden-has-done-nothing-to-this-2 = portwarden has done nothing to this port that could be undone
plan-pending = pending
plan-applied = applied
plan-failed = failed
plan-interrupted = interrupted
plan-the-journal-is-empty = the journal is empty{"\u000A"}
plan-when = when
plan-user = user
plan-port = port
plan-how = how
plan-state = state
plan-undone = undone
plan-what = what

# Plan steps, undo plans, journal summaries.
plan-step-terminate = SIGTERM { $pid } ({ $name }), SIGKILL if it is still there after the timeout
plan-step-persist = write { $path } and include it from /etc/nftables.conf
plan-step-drop-connection = drop connection { $remote } -> { $local }
plan-undo-delete-rule = delete the firewall rule ({ $rule })
plan-undo-delete-rule-and-rewrite = delete the firewall rule ({ $rule }) and rewrite { $file }
plan-undo-irreversible = nothing can be undone (a stopped process is not started again); the action is marked undone
plan-summary-firewall = firewall: { $rule }
plan-summary-stopped-unit = stopped and disabled { $unit }
plan-summary-stopped-processes = stopped { $count } process(es) owning { $port }
plan-summary-dropped = dropped { $count } connection(s) to { $port }
