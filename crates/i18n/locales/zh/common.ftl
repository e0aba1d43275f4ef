# 所有命令共用的消息。每个领域一个文件；各语言的消息 id 相同。

# 供消息目录自身的测试使用。
i18n-selftest = { $count } 个端口，{ $name }

i18n-label-selftest = 标签

# 列表各项之间。
list-separator = 、

# 风险级别、建议的处理方式、端口类别（portwarden-kb）。
kb-risk-info = 信息
kb-risk-low = 低
kb-risk-medium = 中
kb-risk-high = 高
kb-risk-critical = 严重
kb-action-keep = 保留
kb-action-restrict = 限制
kb-action-close = 关闭
kb-port-class-well-known = 公认端口（0-1023）
kb-port-class-registered = 注册端口（1024-49151）
kb-port-class-dynamic = 动态/私有端口（49152-65535）
