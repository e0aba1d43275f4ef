# 扫描结果表（文本输出）。

scan-table-open = 开放
scan-table-closed = 关闭
scan-table-filtered = 过滤
scan-table-open-filtered = 开放|过滤
scan-table-scan-report-for = 扫描结果：
scan-table-host-did-not-answer-on-any = 主机没有在任何端口上应答（离线或被过滤）。
scan-table-other-addresses-not-scanned = 其他地址（未扫描）：
scan-table-no-open-ports-found = 没有发现开放的端口。
scan-table-port = 端口
scan-table-state = 状态
scan-table-service = 服务
scan-table-risk = 风险
scan-table-advice = 建议
scan-table-identified = 识别为
scan-table-finding = 发现
scan-table-banner = 横幅
scan-table-interrupted-results-are-partial = 已中断：结果不完整。
