//go:build cuda

package main

// The cuda build links the CUDA backend, which registers itself as the
// backend "cuda"; the default build does not contain package gpu at all.
import _ "github.com/encephagen/encephagen/gpu"
