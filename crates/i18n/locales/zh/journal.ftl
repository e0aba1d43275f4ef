# 共享存储中的操作日志（close、open、actions、watch --block、unblock、top）。

journal-needs-host-id = 共享日志需要本机的身份标识，但本机没有 /etc/machine-id：请用 --host-id ID（或 PORTWARDEN_HOST_ID）指定一个；未做任何更改
journal-host-header = { $mine ->
    [yes] 主机 { $host }（{ $id }，本机）：{ $count } 条操作
   *[no] 主机 { $host }（{ $id }）：{ $count } 条操作
}
