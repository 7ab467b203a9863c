package report

import (
	"encoding/json"
	"math"
)

// MarshalJSON writes Cohen's d as a number, or as "inf"/"-inf" when it is
// infinite (JSON has no infinities).
func (r Row) MarshalJSON() ([]byte, error) {
	type plain Row
	var d any = r.D
	if math.IsInf(r.D, 1) {
		d = "inf"
	} else if math.IsInf(r.D, -1) {
		d = "-inf"
	}
	return json.Marshal(struct {
		plain
		D any `json:"cohens_d"`
	}{plain(r), d})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Row) UnmarshalJSON(b []byte) error {
	type plain Row
	var aux struct {
		plain
		D any `json:"cohens_d"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*r = Row(aux.plain)
	switch d := aux.D.(type) {
	case float64:
		r.D = d
	case string:
		r.D = math.Inf(map[string]int{"inf": 1, "-inf": -1}[d])
		if d != "inf" && d != "-inf" {
			r.D = math.NaN()
		}
	}
	return nil
}
