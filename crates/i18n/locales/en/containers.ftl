# The container behind a socket's owner (ls, audit).

ls-container-column = Container
# After the owner on an audit finding's "who:" line: "docker redis:7 (cache, 3f4e5d6c7b8a)".
audit-who-container = in container { $container }
