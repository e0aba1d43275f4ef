# 端口卡片（lookup）：字段标签。

card-unassigned = 未分配
card-class = 类别
card-not-registered = 未登记
card-iana = IANA 登记
card-open-rank = 常见排名
card-entry = 条目
card-range = 范围
card-summary = 说明
card-attackers = 攻击者关注
card-malware = 已知木马
card-risk = 风险
card-advice = 建议
card-references = 参考
card-threat-intel = 威胁情报
card-iana-notes = IANA 备注
card-inside-ephemeral-range = ；位于本机临时端口范围 { $start }-{ $end } 内，对外连接可能短暂占用它
card-ephemeral-range-differs = ；但本机的临时端口范围是 { $start }-{ $end }，而不是 IANA 规定的 49152-65535，所以这里的监听是有意设置的
