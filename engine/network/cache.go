package network

import (
	"fmt"
	"sync"
	"weak"

	"github.com/encephagen/encephagen/engine/connectome"
)

// Cache shares built networks between brains with the same connectome and
// parameters (a batch that varies only the noise seed builds once).
// Entries are weak: a network no brain uses any more is collected. The
// zero value is ready to use.
type Cache struct {
	mu sync.Mutex
	m  map[string]weak.Pointer[Network]
}

// Build returns the network of c and p, built now or earlier.
func (nc *Cache) Build(c *connectome.Connectome, p Params) (*Network, error) {
	key := fmt.Sprintf("%p|%+v", c, p)
	nc.mu.Lock()
	if nc.m == nil {
		nc.m = map[string]weak.Pointer[Network]{}
	}
	if w, ok := nc.m[key]; ok {
		if n := w.Value(); n != nil {
			nc.mu.Unlock()
			return n, nil
		}
	}
	nc.mu.Unlock()
	n, err := Build(c, p)
	if err != nil {
		return nil, err
	}
	nc.mu.Lock()
	nc.m[key] = weak.Make(n)
	nc.mu.Unlock()
	return n, nil
}
