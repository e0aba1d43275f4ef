# audit --probe: what connecting to this host's own listeners proved.
# Variables: $who (program and what answered), $addr (the address probed), $port, $proto,
# $detail (the scanner's own words, English, untrusted).

audit-probe-kind = proven by probing
audit-probe-identified = Identified as { $what } by probing { $addr }.
audit-probe-summary = Probed { $probed ->
        [one] one listener
       *[other] { $probed } listeners
    } of this host (within { $budget } s): { $identified } identified, { $silent } without an answer portwarden knows, { $proven ->
        [one] one finding
       *[other] { $proven } findings
    } proven.
audit-probe-note-no-answer = { $addr }: no connection or no answer (not an error: the service may wait for a client to speak its protocol).
audit-probe-note-unrecognised = { $addr }: it answered in a language portwarden does not know.
audit-probe-note-out-of-time = { $addr }: not probed, out of time (raise --probe-timeout).

audit-probe-redis-no-auth-why = { $who } at { $addr } answered a command without a password, as portwarden's probe proved: whoever reaches { $port }/{ $proto } can read and change every key, and with CONFIG SET write files on this host.
audit-probe-redis-no-auth-do = Set a password (`requirepass` or an ACL user in redis.conf), keep `protected-mode yes`, and `bind 127.0.0.1 -::1` unless other hosts need it; then restart Redis. Check with `redis-cli -p { $port } ping` (it must answer NOAUTH).

audit-probe-memcached-udp-why = { $who } at { $addr } answered a UDP request, as portwarden's probe proved: memcached over UDP answers a small spoofed request with a large reply, the amplifier of record-breaking DDoS attacks.
audit-probe-memcached-udp-do = Turn UDP off: `-U 0` in /etc/memcached.conf (or on its command line), and `-l 127.0.0.1` unless other hosts need it; then restart memcached.

audit-probe-ftp-anonymous-why = { $who } at { $addr } let portwarden's probe log in as "anonymous": anyone who reaches { $port }/{ $proto } can list and fetch its files, and upload where it allows writes.
audit-probe-ftp-anonymous-do = Turn anonymous login off (vsftpd: `anonymous_enable=NO` in /etc/vsftpd.conf; proftpd: remove the <Anonymous> block; pure-ftpd: `NoAnonymous yes`) and restart the server; prefer SFTP.

audit-probe-snmp-public-why = { $who } at { $addr } answered the default community "public", as portwarden's probe proved: anyone can read this host's interfaces, processes and configuration, and use it to amplify spoofed traffic.
audit-probe-snmp-public-do = Remove the `public` community (snmpd: the `rocommunity public` line in /etc/snmp/snmpd.conf), use SNMPv3 users, limit `agentaddress` to the management network, and restart snmpd.

audit-probe-mqtt-anonymous-why = { $who } at { $addr } accepted a client without a user name or password, as portwarden's probe proved: anyone can read every topic and publish commands.
audit-probe-mqtt-anonymous-do = Set `allow_anonymous false` and a `password_file` (mosquitto: in /etc/mosquitto/conf.d/), and `listener 1883 127.0.0.1` unless other hosts need it; then restart the broker.

audit-probe-tls-cert-expired-why = { $who } at { $addr } presents an expired TLS certificate: clients learn to click through warnings, and an attacker's certificate looks no worse. ({ $detail })
audit-probe-tls-cert-expired-do = Renew the certificate (certbot: `certbot renew`), install it in the server's configuration and reload the server.

audit-probe-tls-cert-self-signed-why = { $who } at { $addr } presents a self-signed TLS certificate: clients cannot tell this server from an impostor unless they pinned it.
audit-probe-tls-cert-self-signed-do = Use a certificate from a CA clients trust (Let's Encrypt, or your organisation's CA), or pin this one in every client; then reload the server.

audit-probe-tls-legacy-version-why = { $who } at { $addr } still accepts TLS 1.0 or 1.1 ({ $detail }): versions with known weaknesses that browsers and PCI DSS no longer accept.
audit-probe-tls-legacy-version-do = Allow only TLS 1.2 and 1.3 (nginx: `ssl_protocols TLSv1.2 TLSv1.3;` apache: `SSLProtocol -all +TLSv1.2 +TLSv1.3`; others: their minimum protocol setting) and reload the server.

audit-probe-smb-signing-not-required-why = { $who } at { $addr } does not require SMB signing ({ $detail }): an attacker on the path can relay or alter sessions (NTLM relay).
audit-probe-smb-signing-not-required-do = Require signing: Samba `server signing = mandatory` in smb.conf's [global] and `systemctl restart smbd`; Windows: the policy "Microsoft network server: Digitally sign communications (always)" or `Set-SmbServerConfiguration -RequireSecuritySignature $true`.

audit-probe-cleartext-login-why = { $who } at { $addr } offers a login whose password crosses the network unencrypted ({ $detail }): anyone on the path reads it.
audit-probe-cleartext-login-do = Replace it with an encrypted protocol (SSH instead of telnet, SFTP or FTPS instead of FTP), or require TLS before login; stop the cleartext service when nobody needs it.

audit-probe-other-why = Probing { $who } at { $addr } proved: { $detail }
audit-probe-other-do = Check this service's configuration for the weakness above, or `portwarden close { $port }/{ $proto }` when nobody needs it.

# A note followed by what probing found.
audit-probe-note-joined = { $first } { $then }
