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
