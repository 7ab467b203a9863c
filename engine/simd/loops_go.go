//go:build !(goexperiment.simd && amd64)

package simd

var (
	membraneLIF   = membraneLIFGo
	membraneALIF  = membraneALIFGo
	addSurrogate  = addSurrogateGo
	alifPsi       = alifPsiGo
	alifForward   = alifForwardGo
	alifBackward  = alifBackwardGo
	alifPass      = alifPassGo
	currents      = currentsGo
	poissonCounts = poissonCountsGo
	weightPass    = weightPassGo
)

// Describe says which loops are in use, for version and bench output.
func Describe() string { return "plain Go loops (built without GOEXPERIMENT=simd on amd64)" }

// Clean is a no-op without the vector loops (see the AVX2 build's).
func Clean() {}
