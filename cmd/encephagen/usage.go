package main

import "strings"

// isCobraUsage recognises the errors cobra itself returns for unknown
// commands and wrong argument counts, which are usage errors too.
func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires at most", "unknown flag", "unknown shorthand", "invalid argument"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
