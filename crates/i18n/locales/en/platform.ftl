# Platforms (issue #15): what differs on Windows, and what a platform does not have.

platform-socket-table = cannot read the system's socket table: { $detail }
platform-netns-linux-only = --netns: network namespaces exist only on Linux
platform-command-unavailable = portwarden { $command } is not available on { $os } yet (it runs on Linux; see the README's platform table)
platform-scan-raw-needs-packet-driver = raw sockets need a packet driver on Windows (such as Npcap), which portwarden does not use
platform-scan-udp-unavailable = UDP scan (-sU) is unavailable on { $os }: it needs raw sockets, and raw sockets need a packet driver (such as Npcap), which portwarden does not use; scan TCP with -sT
platform-audit-hidden-cause-windows = Windows named no process for it (pid 0: portwarden runs without administrator rights, or under Wine, which names none).
platform-audit-hidden-see-windows = Find the owner as administrator: `netstat -ano | findstr :{ $port }` or, in PowerShell, `Get-NetTCPConnection -LocalPort { $port } | Select-Object OwningProcess` (UDP: `Get-NetUDPEndpoint -LocalPort { $port }`), then `tasklist /svc /fi "PID eq PID"` for the services that process hosts.
platform-audit-stop-service = {" "}(`sc stop { $service }` and `sc config { $service } start= disabled`, or in PowerShell `Stop-Service { $service }; Set-Service { $service } -StartupType Disabled`)
platform-audit-stop-services = {" "}(it hosts the services { $services }: for each one that should not run, `sc stop NAME` and `sc config NAME start= disabled`, or in PowerShell `Stop-Service NAME; Set-Service NAME -StartupType Disabled`)
platform-scan-note-no-udp = note: no UDP scan ({ $why }); only the TCP scan runs
platform-ls-note-unopened = note: { $count } processes could not be opened (their image path and user are unknown); run as administrator to see them
