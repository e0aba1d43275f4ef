# audit --baseline：基线接受了所有问题时。

audit-baseline-all-accepted = 没有新问题：{ $count } 项问题均已被基线接受（portwarden baseline list）。
