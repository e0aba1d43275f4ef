# 查询（lookup、ls --port、close/open 的目标）：被拒绝的原因。

query-empty = 查询为空：请给出端口、范围、名称或关键词
query-too-long = 查询超过 200 个字符
query-control-characters = 查询中含有控制字符
query-negative = { $query }：端口不能为负数（端口范围是 0-65535）
query-unknown-protocol = { $query }：未知协议 { $protocol }（可用 tcp、udp、sctp 或 dccp）
query-range-backwards = { $query }：范围的结束小于开始（应写作 { $range }）
query-nothing-searchable = { $query } 既不是端口、范围、服务、木马名，也不是关键词
query-port-missing = { $query }：缺少端口号
query-not-a-port-number = { $query }：{ $value } 不是端口号
query-port-out-of-range = { $query }：端口 { $port } 超出范围（端口范围是 0-65535）
