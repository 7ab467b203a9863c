// Package stats holds the statistics the experiments report: the two-sided
// Mann–Whitney U test as SciPy computes it, Cohen's d with pooled population
// variance, least-squares slope, Benjamini–Hochberg adjusted p-values, and
// the response-diversity measures of Exp 22/23 (cosine similarity, Fisher
// ratio, participation ratio, entropy, leave-one-out nearest-centroid
// accuracy).
//
// Conventions (those of gonum):
//
//   - Input slices belong to the caller and are never modified or retained.
//   - Data errors (empty input, NaN, a zero denominator that has no
//     documented value) are returned as an error, one of the Err* values
//     below, to be tested with errors.Is. A function that returns an error
//     returns 0 (or the zero result) with it.
//   - Programmer errors (slices of different lengths where equal lengths are
//     required, ragged vectors, an unknown Method or Alternative, an invalid
//     p-value given to BenjaminiHochberg) panic.
//   - No function returns NaN. Every case where a formula would give 0/0 is
//     either an error or has a value stated in the function's documentation.
package stats

import (
	"errors"
	"math"
)

var (
	// ErrEmpty: a sample or vector has no elements.
	ErrEmpty = errors.New("stats: empty input")
	// ErrNaN: the input contains a NaN.
	ErrNaN = errors.New("stats: input contains NaN")
	// ErrInf: the input contains +Inf or -Inf where only finite values are
	// meaningful.
	ErrInf = errors.New("stats: input contains an infinite value")
	// ErrTooFew: fewer observations than the statistic needs.
	ErrTooFew = errors.New("stats: too few observations")
	// ErrConstantX: every x value is equal, so a slope is undefined.
	ErrConstantX = errors.New("stats: all x values are equal")
	// ErrZeroMean: the mean is zero but the values are not all zero, so a
	// coefficient of variation is undefined.
	ErrZeroMean = errors.New("stats: mean is zero")
	// ErrZeroSum: a non-negative vector sums to zero and cannot be
	// normalised.
	ErrZeroSum = errors.New("stats: vector sums to zero")
	// ErrNegative: a value that must be non-negative is negative.
	ErrNegative = errors.New("stats: negative value")
	// ErrExactTooLarge: the exact Mann–Whitney distribution was requested
	// for samples whose size product exceeds MaxExactCells.
	ErrExactTooLarge = errors.New("stats: samples too large for the exact Mann–Whitney distribution")
)

// checkFinite returns ErrNaN or ErrInf if x has such a value, else nil.
// NaN is reported in preference to Inf.
func checkFinite(x []float64) error {
	var inf bool
	for _, v := range x {
		if math.IsNaN(v) {
			return ErrNaN
		}
		if math.IsInf(v, 0) {
			inf = true
		}
	}
	if inf {
		return ErrInf
	}
	return nil
}

// checkVectors validates a set of equal-length vectors: it returns ErrEmpty
// if there are none or they have no components, ErrNaN/ErrInf for non-finite
// components, and panics if the vectors are ragged. It returns the dimension.
func checkVectors(vectors [][]float64) (int, error) {
	if len(vectors) == 0 {
		return 0, ErrEmpty
	}
	dim := len(vectors[0])
	for _, v := range vectors {
		if len(v) != dim {
			panic("stats: ragged vectors")
		}
	}
	if dim == 0 {
		return 0, ErrEmpty
	}
	for _, v := range vectors {
		if err := checkFinite(v); err != nil {
			return 0, err
		}
	}
	return dim, nil
}

// isConstant reports whether every element of x equals x[0]. x must not be
// empty.
func isConstant(x []float64) bool {
	for _, v := range x[1:] {
		if v != x[0] {
			return false
		}
	}
	return true
}
