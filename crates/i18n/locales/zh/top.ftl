# portwarden top：实时套接字列表。

top-tab-sockets = 套接字
top-tab-processes = 进程
top-tab-listeners = 监听端口
top-head-counts = { $shown }/{ $all } 个套接字 · { $listening } 个在监听
top-head-paused = 已暂停
top-bar-filter-hint = / 筛选
top-toggle-tcp = TCP
top-toggle-udp = UDP
top-toggle-listening = 仅监听
top-toggle-time-wait = 隐藏 TIME-WAIT
top-toggle-loopback = 隐藏回环

top-col-proto = 协议
top-col-local = 本地地址
top-col-remote = 远端地址
top-col-state = 状态
top-col-owner = PID/程序
top-col-user = 用户
top-col-service = 服务
top-col-risk = 风险
top-col-exposure = 暴露
top-col-rate-in = 收/秒
top-col-rate-out = 发/秒
top-col-bytes-in = 已收
top-col-bytes-out = 已发
top-col-pid = PID
top-col-program = 程序
top-col-sockets = 套接字
top-col-listeners = 监听
top-col-port = 端口
top-col-why = 原因


top-empty = 没有匹配的行（请修改筛选条件或开关）
top-empty-reading = 正在读取套接字…

top-detail-title = 详情
top-detail-process = 进程
top-detail-cmdline = 命令行
top-detail-exe = 可执行文件
top-detail-user = 用户
top-detail-unit = 服务单元
top-detail-container = 容器
top-detail-started = 启动时间
top-detail-owner-hidden = 所属进程不可见：以 root 运行才能看到是谁持有这个套接字。
top-detail-owner-none = 没有进程持有这个套接字（TIME-WAIT、连接请求或内核）。
top-detail-why = 原因
top-detail-action = 建议
top-detail-note = 备注
top-detail-command = 命令
top-detail-malware = 已知恶意软件

top-foot-keys = ? 帮助 · / 筛选 · 空格 暂停 · Tab 视图 · Enter 详情 · c 关闭 · x 断开 · K 结束进程 · O 撤销 · q 退出

top-dialog-close = 关闭这个端口
top-dialog-drop = 断开这条连接
top-dialog-kill = 结束这个进程
top-dialog-keys-close = y：执行 · f/k/s：改用防火墙 / 结束进程 / 停止服务 · n、Esc：取消
top-dialog-keys = y：执行 · n、Esc：取消
top-dialog-keys-refused-close = f/k/s：改用防火墙 / 结束进程 / 停止服务 · Esc：返回
top-dialog-keys-refused = Esc：返回
top-dialog-keys-ok = Enter、Esc：关闭
top-dialog-refused = 已拒绝：不会做任何更改。

top-help-title = 按键
top-help-move = 移动选中行
top-help-tabs = 切换视图：套接字、进程、监听端口
top-help-filter = 边输入边筛选（端口、程序、地址、服务、状态）；Enter 保留，Esc 清除
top-help-pause = 暂停或继续刷新
top-help-sort = 按下一列 / 上一列排序；r 反向
top-help-toggles = 开关 TCP、UDP、仅监听、隐藏 TIME-WAIT、隐藏回环
top-help-detail = 显示或隐藏详情面板
top-help-close = 关闭选中的端口（先显示计划；默认用防火墙）
top-help-drop = 断开选中的连接
top-help-kill = 结束选中行的进程
top-help-undo = 撤销 portwarden 对选中端口所做的操作（重新打开）
top-help-help = 本帮助
top-help-quit = 退出
top-help-colours = 绿色：新出现 · 红色：已消失（保留几秒）· 黄色：状态变化。

top-note-not-root = 有 { $count } 个进程无权查看：以 root 运行才能看到全部所属进程和防火墙的放行情况，并对端口执行操作。
top-status-paused = 已暂停（按空格继续）
top-status-resumed = 已恢复刷新
top-status-sorted = 按{ $column }排序
top-status-nothing-changed = 没有做任何更改
top-status-no-target = 请先选中一个套接字或监听端口
top-status-read-failed = 无法读取套接字：{ $error }

top-refuse-not-a-door = 没有程序在监听端口 { $port }/{ $proto }：这一行是向外的连接；请改为断开它（x）或结束它的进程（K）
top-refuse-ssh-session = 这条连接就是 portwarden 所在的 SSH 会话；断开它会把你断线
top-refuse-not-a-connection = 只能断开已建立的 TCP 连接
top-refuse-pid1 = 该进程是 PID 1（{ $name }）；portwarden 从不停止 init 进程
top-refuse-self = 该进程就是 portwarden 自己
top-refuse-hidden-owner = 看不到持有这个套接字的进程；以 root 运行可看到它的所属进程

top-done = 已完成（操作记录 #{ $id }；按 O 撤销）
top-failed = 失败
top-undo-title = 撤销 { $port }/{ $proto } 上的操作
top-undo-nothing = portwarden 在这个端口上没有可撤销的操作。
top-needs-terminal = top 需要终端（标准输入和输出）；在管道中请用 `portwarden ls` 列出
