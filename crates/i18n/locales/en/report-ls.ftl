# The ls table, watch, CSV: headers and cell words.

ls-root = ? (root)
ls-all = ALL
ls-addr = addr
ls-lo = lo
ls-dash = -
ls-open = open
ls-limited = limited
ls-closed-pw = closed(pw)
ls-blocked = blocked
ls-forwarded = forwarded
ls-question = ?
ls-proto = Proto
ls-local = Local
ls-remote = Remote
ls-state = State
ls-pid-program = PID/Program
ls-user = User
ls-service = Service
ls-risk = Risk
ls-exposure = Exposure
ls-firewall = Firewall
ls-gone = gone
