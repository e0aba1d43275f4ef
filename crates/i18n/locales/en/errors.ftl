# The libraries' errors as the binary shows them (src/errors.rs).

err-port-empty = empty port specification
err-port-out-of-range = port '{ $port }' is out of range (ports are 1-65535)
err-port-backwards = port range '{ $range }' is backwards (start is greater than end)
err-port-unknown = '{ $value }' is neither a port number nor a known service name
err-port-bad-prefix = unknown protocol prefix in '{ $value }' (use T:, U: or S:)
err-port-bad-top = --top-ports must be between 1 and 65535
err-target-not-ipv6 = '{ $target }' is IPv4, and -6 scans IPv6 only (as `ls -6` lists IPv6 only)
err-target-bad-ipv4 = invalid IPv4 address or range '{ $target }'
err-target-bad-prefix = invalid CIDR prefix in '{ $target }' (IPv4 allows /0-/32, IPv6 /0-/128)
err-target-resolve = cannot resolve host name '{ $target }': { $error }
err-target-invalid = invalid target '{ $target }'
err-target-huge = '{ $target }' expands to more than 2^32 addresses; use a longer prefix
err-target-too-large = the targets expand to { $hosts } hosts, more than 65536; pass --allow-large to scan them anyway
err-target-none = no targets given
err-target-empty-list = no targets in { $file }
err-target-all-excluded = every target is excluded
err-list-at-line = { $file }: line { $line }: { $what }
err-list-line-too-long = longer than { $max } bytes; is this a list of targets?
err-list-too-many-lines = more than { $max } lines
err-list-not-text = not text (invalid UTF-8)
err-list-io = { $error }

# Runtime failures (src/errors.rs::runtime).
err-netns = network namespace: { $detail }
err-netlink = netlink sock_diag: { $detail }
# The operating system's texts of common errors (errno N), as Rust prints them.
os-error-1 = Operation not permitted (os error 1)
os-error-2 = No such file or directory (os error 2)
os-error-13 = Permission denied (os error 13)
os-error-17 = File exists (os error 17)
os-error-20 = Not a directory (os error 20)
os-error-21 = Is a directory (os error 21)
os-error-28 = No space left on device (os error 28)
os-error-30 = Read-only file system (os error 30)
os-error-111 = Connection refused (os error 111)
