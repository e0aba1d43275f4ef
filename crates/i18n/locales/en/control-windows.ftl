# Closing and opening ports on Windows (crates/control: windows.rs, windows_cmd.rs, and
# the Windows refusals of plan).

control-port-carries-the-rdp-session = port { $port }/tcp carries the remote-desktop (RDP) session this command runs through; closing it could lock you out (--force to do it anyway)
control-port-belongs-to-windows-system = port { $port }/{ $transport } belongs to PID { $pid }, the Windows system itself (kernel drivers such as SMB or http.sys); portwarden never stops it — use --how firewall
control-windows-not-one-service = process { $pid } ({ $name }) is not one Windows service (it runs none, or several, as svchost does); use --how firewall or --how kill
control-windows-cannot-reject = Windows Firewall can only block (drop), not reject; run without --reject
control-windows-added-rule = added to Windows Firewall (group portwarden): { $rule } (rule { $name })
control-windows-asked-to-close = asked { $pid } ({ $name }) to close
control-windows-close-not-accepted = { $pid } ({ $name }) has no window to close (a service or a console program); it will be terminated
control-windows-terminated = { $pid } ({ $name }) was still running after { $timeout }; ended it with TerminateProcess
control-windows-run-as-administrator = access denied: run as Administrator (an elevated prompt)
control-windows-no-such-service = no such service
control-windows-service-disabled = the service is disabled
control-windows-ipv4-only = Windows can only drop IPv4 connections (SetTcpEntry has no IPv6 form)
control-windows-no-source-blocks = blocking source addresses (watch --block, unblock) is not available on Windows yet
control-windows-rule-adopted = a portwarden rule was in Windows Firewall's group portwarden without a journal record ({ $rule_text }); recorded as action #{ $id }
control-windows-rule-unrecorded = a portwarden rule is in Windows Firewall's group portwarden without a journal record ({ $rule_text }); `portwarden open { $port }/{ $transport }` removes it
control-windows-foreign-rule = a rule in Windows Firewall's group portwarden was not written by portwarden (name { $comment }); left alone
control-windows-cannot-read-rules = cannot read Windows Firewall's rules to check the journal against them: { $error }

# Neither Linux nor Windows (crates/control/src/unsupported.rs).
control-unsupported-os = closing and opening ports is not supported on { $os } yet
