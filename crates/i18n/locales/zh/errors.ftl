# 各库的错误，按命令行程序显示的样子（src/errors.rs）。

err-port-empty = 端口说明为空
err-port-out-of-range = 端口 '{ $port }' 超出范围（端口范围是 1-65535）
err-port-backwards = 端口范围 '{ $range }' 写反了（开始大于结束）
err-port-unknown = '{ $value }' 既不是端口号也不是已知的服务名
err-port-bad-prefix = '{ $value }' 中的协议前缀未知（可用 T:、U: 或 S:）
err-port-bad-top = --top-ports 必须在 1 到 65535 之间
err-target-not-ipv6 = '{ $target }' 是 IPv4 地址，而 -6 只扫描 IPv6（与 `ls -6` 只列出 IPv6 一致）
err-target-bad-ipv4 = 无效的 IPv4 地址或范围 '{ $target }'
err-target-bad-prefix = '{ $target }' 中的 CIDR 前缀无效（IPv4 可用 /0-/32，IPv6 可用 /0-/128）
err-target-resolve = 无法解析主机名 '{ $target }'：{ $error }
err-target-invalid = 无效的目标 '{ $target }'
err-target-huge = '{ $target }' 展开后超过 2^32 个地址；请使用更长的前缀
err-target-too-large = 目标展开后有 { $hosts } 台主机，超过 65536；如仍要扫描请加 --allow-large
err-target-none = 没有给出目标
err-target-empty-list = { $file } 中没有任何目标
err-target-all-excluded = 所有目标都被排除了
err-list-at-line = { $file }：第 { $line } 行：{ $what }
err-list-line-too-long = 超过 { $max } 字节；这是目标列表吗？
err-list-too-many-lines = 超过 { $max } 行
err-list-not-text = 不是文本（无效的 UTF-8）
err-list-io = { $error }

# 运行时错误（src/errors.rs::runtime）。
err-netns = 无法进入网络命名空间：{ $detail }
err-netlink = netlink sock_diag 出错：{ $detail }
# 操作系统对常见错误（errno N）的说明。
os-error-1 = 不允许的操作（os error 1）
os-error-2 = 文件或目录不存在（os error 2）
os-error-13 = 权限不足（os error 13）
os-error-17 = 文件已存在（os error 17）
os-error-20 = 不是目录（os error 20）
os-error-21 = 是一个目录（os error 21）
os-error-28 = 设备上没有剩余空间（os error 28）
os-error-30 = 只读文件系统（os error 30）
os-error-111 = 连接被拒绝（os error 111）
