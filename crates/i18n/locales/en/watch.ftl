# portwarden watch and unblock.

watch-started = portwarden watch: { $listeners } listeners; scan detection { $scan }; blocking { $block }
watch-on = on
watch-off = off
watch-no-capture = scan detection is off: cannot open a packet socket: { $error } (needs CAP_NET_RAW: run as root)
watch-block-needs-capture = --block needs scan detection; drop --no-capture
watch-block-needs-nft = --block needs nft, which cannot be run here (install nftables, or put /usr/sbin on PATH)
watch-bad-exec = --exec { $cmd }: not a command (empty, or a quote is not closed)
watch-bad-webhook = --webhook: { $error }
watch-bad-allow = --allow { $value }: not an address or CIDR block (198.18.0.0/15, 2001:db8::/32)
watch-bad-syslog = --syslog: { $error }
watch-unit-written = wrote { $path }; start it with: systemctl daemon-reload && systemctl enable --now portwarden-watch
watch-unit-failed = cannot write { $path }: { $error }
watch-once-listeners = { $count ->
    [one] { $count } listener
   *[other] { $count } listeners
}
watch-once-blocks = { $count ->
    [0] no source is blocked
    [one] { $count } source blocked
   *[other] { $count } sources blocked
}
watch-once-blocked = blocked { $addr }, { $left } s left
unblock-bad-addr = { $addr } is not an IP address
unblock-done = unblocked { $addr }; journal actions marked undone: { $actions }
unblock-not-blocked = { $addr } is not blocked now; journal actions marked undone: { $actions }
unblock-none = none
