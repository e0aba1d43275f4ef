# close/open (crates/control): refusals, steps done, journal repairs, undo results.

control-port-tcp-carries-the-ssh-session = port { $port }/tcp carries the SSH session this command runs through; closing it could lock you out (--force to do it anyway)
control-nothing-listens-on-port = nothing listens on port { $port }/{ $transport }
control-no-visible-process-owns-port-run = no visible process owns port { $port }/{ $transport }; run as root to see every owner
control-port-belongs-to-pid-1-portwarden = port { $port }/{ $transport } belongs to PID 1 ({ $name }); portwarden never stops the init process
control-the-port-belongs-to-portwarden-itself = the port belongs to portwarden itself
control-pid-names-named-pids-but-port = --pid names { $named_pids } but port { $port }/{ $transport } is held by { $pid } ({ $name })
control-systemd-is-not-pid-1-on = systemd is not PID 1 on this machine, so there is no unit to stop; use --how kill or --how firewall
control-process-does-not-belong-to-a = process { $pid } ({ $name }) does not belong to a systemd service
control-nft-cannot-be-run-here-install = nft cannot be run here (install nftables, or put /usr/sbin on PATH), so the default — a firewall rule — is not possible; choose another way with --how kill, --how service or --how connections
control-nft-cannot-be-run-here-install-2 = nft cannot be run here (install nftables, or put /usr/sbin on PATH), so no firewall rule can be added
control-udp-has-no-connections-to-drop = UDP has no connections to drop; use --how firewall
control-warning-port-belongs-to-pid-1 = WARNING: port { $port }/{ $transport } belongs to PID 1 ({ $name }), which is not systemd: the process that runs this machine or container; blocking it may cut off what manages it (--force to do it anyway)
control-sent-sigterm-to = sent SIGTERM to { $pid } ({ $name })
control-ignored-sigterm-for-sent-sigkill = { $pid } ({ $name }) ignored SIGTERM for { $timeout }; sent SIGKILL
control-port-still-listens-another-process-took = port { $port }/{ $transport } still listens (another process took it over?)
control-stopped-and-disabled = stopped and disabled { $unit }
control-dropped = dropped { $remote } -> { $local }
control-had-already-closed = { $remote } had already closed
control-added-to-table-inet-portwarden = added to table inet portwarden: { $rule }
control-wrote-loaded-at-boot = wrote { $file } (loaded at boot)
control-action-was-recorded-as-failed-but = action #{ $id } ({ $port }/{ $protocol }) was recorded as failed, but its rule is in place
control-a-portwarden-rule-was-in-inet = a portwarden rule was in inet portwarden without a journal record ({ $rule_text }); recorded as action #{ $id }
control-a-portwarden-rule-is-in-inet = a portwarden rule is in inet portwarden without a journal record ({ $rule_text }, handle { $handle }); `portwarden open { $port }/{ $transport }` removes it
control-cannot-read-table-inet-portwarden-to = cannot read table inet portwarden to check the journal against it: { $error }
control-the-rule-was-already-gone = the rule was already gone
control-deleted-the-firewall-rule = deleted the firewall rule ({ $rule })
control-processes-share-port = { $count } processes share port { $port }/{ $transport }: { $list }; name them all with --pid to proceed
control-unseen-not-root = portwarden does not run as root, so it cannot read every process's open files
control-unseen-namespace = no process visible from here holds it: it belongs to a process in another PID namespace (a container, or the host when portwarden runs in one) or to the kernel
control-warning-unseen-owner = WARNING: nobody can see who listens on port { $port }/{ $transport }: { $cause }. It may be what keeps this machine running. See the owner first: `sudo portwarden ls --port { $port }`, or where it runs `sudo ss -ltnup 'sport = :{ $port }'`; --force to close it anyway
control-port-being-closed = port { $port }/{ $transport } is being closed by portwarden right now (action #{ $id }: { $rule }); nothing added
control-port-already-closed = port { $port }/{ $transport } is already closed by portwarden (action #{ $id }: { $rule }); nothing added
control-pending-rule-in-place = the run stopped after its rule was added; the rule is in place
control-pending-nothing-changed = the run stopped before its rule was added; nothing was changed
control-pending-unknown = the run stopped part way; what it changed is unknown
control-pending-resolved = action #{ $id } ({ $port }/{ $protocol }): { $note }{ $unrecorded }
control-not-yet-recorded = {" "}(not yet recorded)
control-foreign-rule = rule handle { $handle } in inet portwarden was not written by portwarden (comment { $comment }); left alone
control-no-comment = none
control-started = started { $unit }
control-started-and-enabled = started { $unit } and enabled it again
control-undo-killed = a killed process cannot be resurrected; start it again by hand
control-undo-dropped = dropped connections cannot be restored; clients may reconnect
control-undo-impossible = { $reason }
control-undo-it-ran = { $why }; it ran: { $cmdlines }

# Undoing a block of `watch --block`.
control-unblocked = unblocked { $ip }
control-no-longer-blocked = { $ip } was no longer blocked
