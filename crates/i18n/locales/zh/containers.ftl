# 套接字所属进程所在的容器（ls、audit）。

ls-container-column = 容器
# 审计结果“进程”一行中所属程序之后："docker redis:7 (cache, 3f4e5d6c7b8a)"。
audit-who-container = 位于容器 { $container }
