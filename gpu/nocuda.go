//go:build !cuda

package gpu

import (
	"errors"

	"github.com/encephagen/encephagen/engine/network"
)

// Built reports whether this build includes the CUDA backend.
const Built = false

const noCUDA = "built without CUDA support (rebuild with -tags cuda: make cuda)"

// Available reports whether a usable GPU was found, and says which one or
// why not. This build has no CUDA backend.
func Available() (bool, string) { return false, noCUDA }

// NewBatch lays out a batch of brains on the GPU. This build has no CUDA
// backend: it always fails.
func NewBatch(nets []*network.Network, noiseSeeds []uint64) (*Batch, error) {
	return nil, errors.New("gpu: " + noCUDA)
}
