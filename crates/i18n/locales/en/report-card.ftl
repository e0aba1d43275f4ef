# Port cards (lookup): field labels.

card-unassigned = unassigned
card-class = class
card-not-registered = not registered
card-iana = IANA
card-open-rank = open rank
card-entry = entry
card-range = range
card-summary = summary
card-attackers = attackers
card-malware = malware
card-risk = risk
card-advice = advice
card-references = references
card-threat-intel = threat intel
card-iana-notes = IANA notes
card-inside-ephemeral-range = ; inside this host's ephemeral range { $start }-{ $end }, so outgoing connections may use it briefly
card-ephemeral-range-differs = ; but this host hands out ephemeral ports from { $start }-{ $end }, not IANA's 49152-65535, so a listener here is a deliberate choice
