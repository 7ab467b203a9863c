// Package stdlib holds the Starlark libraries shared by experiment
// scripts, embedded in the binary and loaded as
// load("@stdlib//name.star", ...). Each library has a test,
// testdata/name_test.star, run by `go test` with go.starlark.net's assert
// module.
package stdlib

import (
	"embed"
	"io/fs"
)

//go:embed *.star
var files embed.FS

// FS is the library: one .star file per module at its root.
var FS fs.FS = files
