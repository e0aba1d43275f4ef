# 各平台（issue #15）：Windows 上的不同之处，以及某平台尚不具备的功能。

platform-socket-table = 无法读取系统的套接字表：{ $detail }
platform-netns-linux-only = --netns：网络命名空间只有 Linux 才有
platform-command-unavailable = portwarden { $command } 目前在 { $os } 上还不可用（它在 Linux 上运行；见 README 中的平台对照表）
platform-scan-raw-needs-packet-driver = 在 Windows 上使用原始套接字需要数据包驱动（如 Npcap），而 portwarden 不使用它
platform-scan-udp-unavailable = UDP 扫描（-sU）在 { $os } 上不可用：它需要原始套接字，而原始套接字需要数据包驱动（如 Npcap），portwarden 不使用它；请用 -sT 扫描 TCP
platform-audit-hidden-cause-windows = Windows 没有给出持有它的进程（PID 为 0：portwarden 未以管理员权限运行，或运行在 Wine 下，Wine 从不给出进程）。
platform-audit-hidden-see-windows = 以管理员身份查找所属进程：`netstat -ano | findstr :{ $port }`，或在 PowerShell 中运行 `Get-NetTCPConnection -LocalPort { $port } | Select-Object OwningProcess`（UDP 用 `Get-NetUDPEndpoint -LocalPort { $port }`），再用 `tasklist /svc /fi "PID eq PID"` 查看该进程承载的服务。
platform-audit-stop-service = {" "}（`sc stop { $service }` 并 `sc config { $service } start= disabled`，或在 PowerShell 中 `Stop-Service { $service }; Set-Service { $service } -StartupType Disabled`）
platform-audit-stop-services = {" "}（它承载了这些服务：{ $services }；对每个不该运行的服务执行 `sc stop 服务名` 和 `sc config 服务名 start= disabled`，或在 PowerShell 中 `Stop-Service 服务名; Set-Service 服务名 -StartupType Disabled`）
platform-scan-note-no-udp = 提示：无法进行 UDP 扫描（{ $why }）；只进行 TCP 扫描
platform-ls-note-unopened = 提示：有 { $count } 个进程无法打开（不知道它们的映像路径和用户）；以管理员身份运行可以看到
