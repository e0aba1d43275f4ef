# 多台主机共用一个存储：机群查询、存储本身、暂存目录、机群报告。

fleet-bad-host-id = { $value } 不是有效的主机标识：须为 1 到 128 个字母、数字或 '-'、'_'、'.'、':'
fleet-not-stored = 结果已输出，但【未】保存：{ $why }
fleet-spooled = 存储无法接收这份快照（{ $why }）；已暂存到 { $path }，之后运行 `portwarden store flush --spool { $dir }` 即可存入
fleet-spool-failed = 结果已输出，但【未】保存（{ $why }），也无法暂存到 { $dir }：{ $error }
fleet-no-snapshots = 存储中还没有快照：请在每台主机上把审计存入其中（audit --save --store URL）
fleet-report-title = 机群（{ $hosts } 台主机）
fleet-store-info = 存储 { $location }：{ $backend }，模式版本 { $version }
fleet-spool-not-a-file = 不是普通文件
fleet-spool-bad-uid = 其快照标识不是 32 位十六进制数
fleet-spool-empty = 没有需要存入的内容：{ $dir } 中没有暂存的快照
fleet-spool-bad-file = { $path } 不是暂存的快照（{ $why }），保留原处
fleet-flushed = 已从 { $dir } 存入 { $stored } 份暂存快照；剩余 { $left } 份
fleet-no-listeners = 没有匹配的监听端口（fleet listeners 读取每台主机最新保存的审计）。
fleet-no-hosts = 还没有主机向此存储保存过审计。
fleet-no-changes = 这段时间内所有主机均无变化。
fleet-col-host = 主机 [标识]
fleet-col-door = 端口
fleet-col-exposure = 暴露范围
fleet-col-product = 产品
fleet-col-program = 程序
fleet-col-target = 对象
fleet-col-score = 风险
fleet-col-listeners = 监听数
fleet-col-exposed = 对外暴露
fleet-col-findings = 发现 严/高/中/低/信
fleet-col-when = 最新审计
fleet-findings-legend = 发现：严重/高/中/低/信息；风险 = 严重×1000 + 高×100 + 中×10 + 低
fleet-listener-count = { $hosts } 台主机上共 { $count } 个监听端口
html-fleet-hosts = 按风险排列的主机
html-fleet-no-hosts = 还没有主机向此存储保存过审计。
html-fleet-col-host = 主机
html-fleet-col-score = 风险
html-fleet-col-exposed = 对外暴露
html-fleet-changes = 各主机的变化，自
