// Package suggest finds the likely intended word for a misspelt one
// (a keyword, a region label, a command name) by edit distance, so every
// "did you mean …?" in the program agrees.
package suggest

// Distance is the Levenshtein distance of a and b (bytes).
func Distance(a, b string) int {
	return Bounded(a, b, len(a)+len(b))
}

// Bounded is the Levenshtein distance of a and b, or any value above
// limit once it is known to exceed limit (which keeps comparisons against
// many long candidates cheap).
func Bounded(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
