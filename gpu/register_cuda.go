//go:build cuda

package gpu

import (
	"errors"

	"github.com/encephagen/encephagen/engine/backend"
)

// The cuda build registers the GPU as the backend "cuda"; a program picks
// it with backend.Open("cuda", ...) and imports this package for that
// alone (cmd/encephagen/cuda.go).
func init() {
	backend.Register("cuda", backend.Factory{
		Open: func(cfg backend.Config) (backend.Backend, error) {
			ok, why := Available()
			if !ok {
				return nil, errors.New(why)
			}
			return NewBackend(NewBatch, "cuda: "+why, cfg), nil // provenance names the GPU and driver
		},
		Available: Available,
	})
}
