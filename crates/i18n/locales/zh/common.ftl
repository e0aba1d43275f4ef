# 所有命令共用的消息。每个领域一个文件；各语言的消息 id 相同。

# 供消息目录自身的测试使用。
i18n-selftest = { $count } 个端口，{ $name }

i18n-label-selftest = 标签

# 列表各项之间。
list-separator = 、

# 风险级别、建议的处理方式、端口类别（portwarden-kb）。
risk-info = 信息
risk-low = 低
risk-medium = 中
risk-high = 高
risk-critical = 严重
action-keep = 保留
action-restrict = 限制
action-close = 关闭
port-class-well-known = 公认端口（0-1023）
port-class-registered = 注册端口（1024-49151）
port-class-dynamic = 动态/私有端口（49152-65535）
