# ls 表格、watch、CSV：表头和单元格用词。

ls-root = ?（需 root）
ls-all = 全部
ls-addr = 地址
ls-lo = 本机
ls-dash = -
ls-open = 放行
ls-limited = 部分放行
ls-closed-pw = 已关闭(pw)
ls-blocked = 已拦截
ls-forwarded = 已转发
ls-question = ?
ls-proto = 协议
ls-local = 本地地址
ls-remote = 远端地址
ls-state = 状态
ls-pid-program = 进程
ls-user = 用户
ls-service = 服务
ls-risk = 风险
ls-exposure = 暴露
ls-firewall = 防火墙
ls-gone = 已消失
