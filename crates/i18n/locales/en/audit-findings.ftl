# Audit findings (crates/audit): sentences built from parts; the product texts are in audit-products.ftl.

audit-where-all = on all interfaces
audit-where-address = on a network address
audit-where-loopback = on loopback only
audit-who-same = { $program }
audit-who-named = { $program } ({ $product })
audit-text = { $text }
audit-product-why = { $who } is listening { $where }. { $why }
audit-advice-config = { $advice } This instance reads { $conf } (from its command line): make the change there.
audit-note-off-port = Off its port: { $product } usually serves { $usual }, here { $port }/{ $transport }. A moved port only hides from quick scans; it is judged as { $product } all the same.
audit-note-trojan-list = Port { $port } is also on trojan lists ({ $names }); here it is held by { $program }, a known program, so that does not apply.
audit-notes-join = { $first } { $second }
audit-inetd-builtin = {" "}(built into inetd)
audit-inetd-program = {" "}({ $program })
audit-inetd-from = , as { $file } says
audit-inetd-why = { $who } is listening { $where } and starts { $service }{ $program } for each connection{ $from }. { $reason }
audit-xinetd-advice = Set `disable = yes` in the `service { $service }` block (/etc/xinetd.d/{ $service } or /etc/xinetd.conf) and `systemctl reload xinetd` (or `kill -HUP { $pid }`); stop xinetd when no service is left. Windows: the simple services come from 'Simple TCPIP services' (`dism /online /disable-feature /featurename:SimpleTCP`).
audit-inetd-advice = Comment out the `{ $service }` line in { $file } (Debian: `update-inetd --disable { $service }`) and make inetd reread it (`kill -HUP { $pid }`, or `systemctl reload inetutils-inetd`/`openbsd-inetd`); stop inetd when no line is left. Windows: the simple services come from 'Simple TCPIP services' (`dism /online /disable-feature /featurename:SimpleTCP`).
audit-hidden-cause-not-root = portwarden could not read every process's open files (it does not run as root), so the program holding it is hidden.
audit-hidden-see-not-root = Run `sudo portwarden audit` (or `sudo portwarden ls --port { $port }`) to see the owner.
audit-hidden-cause-namespace = No process visible from here holds it: it belongs to a process in another PID namespace (a container, or the host when portwarden itself runs in one), or to the kernel (NFS, WireGuard).
audit-hidden-see-namespace = Find the owner where it runs: on the host `sudo ss -ltnup 'sport = :{ $port }'` or `sudo lsof -i :{ $port }`; for containers `docker ps --format '{"{"}{"{"}.Names{"}"}{"}"} {"{"}{"{"}.Ports{"}"}{"}"}'`, then `nsenter -t PID -n ss -ltnp` with a container's PID. Stop it or bind it to 127.0.0.1 if nobody needs it.
audit-hidden-known = {" "}The port is { $title }'s: { $reason }
audit-hidden-why = Port { $port }/{ $transport } is listening { $where }, and its owner is unknown. { $cause }{ $known }
audit-note-untrusted-exe = { $program } calls itself a known program but runs from { $exe }, which anyone may write to or which was deleted after start: judged by its port, not by its name.
audit-backdoor-why = Listening { $where } on a port known for { $names }. { $attackers }
audit-port-why = { $title } is listening { $where }. { $reason }
audit-note-unknown-program = It is held by { $program }, which portwarden's product table does not know; the advice is for the port's usual service.
audit-stop-unit = {" "}(`systemctl disable --now { $unit }`)
audit-unknown-program-why = { $program } (pid { $pid }) listens on { $port }/{ $transport } { $where }; it is not in portwarden's product table and the port is not registered for anything.
audit-unknown-program-advice = Check whether { $program } has to accept connections from other hosts; if not, configure it to listen on 127.0.0.1 only, or stop it{ $stop }.
audit-unknown-port-why = Port { $port }/{ $transport } is listening { $where } and neither IANA nor our notes know what it is for.
audit-unknown-port-advice = Find out which program this is (portwarden ls --port { $port }); if nobody needs it, stop it or block the port.
audit-why-firewall = { $why } { $firewall }
audit-fw-by-action = action #{ $id }
audit-fw-by-rule = rule { $comment }
audit-fw-closed-by-portwarden = portwarden has closed it in the firewall ({ $what }); `portwarden open { $port }/{ $transport }` undoes that.
audit-fw-blocked = The firewall stops new connections to it from other hosts ({ $rule }); it matters again if that rule goes.
audit-fw-limited = The firewall lets in only some senders: { $from }.
audit-fw-forwarded = A DNAT rule (Docker's published ports) forwards it to { $to }, so input rules do not protect it; filter it in DOCKER-USER or publish it on 127.0.0.1.
audit-fw-unknown = Whether the firewall lets it in could not be worked out: { $why }.
audit-baseline-changed = changed since baseline acceptance #{ $id }
audit-baseline-expired = baseline acceptance #{ $id } expired
audit-baseline-note = { $remark }; { $note }
