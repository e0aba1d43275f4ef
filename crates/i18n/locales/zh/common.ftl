# 所有命令共用的消息。每个领域一个文件；各语言的消息 id 相同。

# 供消息目录自身的测试使用。
i18n-selftest = { $count } 个端口，{ $name }

i18n-label-selftest = 标签

# 列表各项之间。
list-separator = 、
