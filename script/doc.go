// Package script is encephagen's experiment language: Starlark builtins
// for connectomes, brains, stimuli, phases, measurement, statistics and
// outputs; load() resolution for the embedded standard library and the
// script's own folder; script parameters; and run directories.
//
// Data flows one way: a builtin checks and converts its arguments, calls
// the engine, and wraps the result in a small read-only value. Bulk numbers
// stay in Go (Array); a run() call advances a brain by thousands of steps
// in Go, so the interpreter's cost is nil next to the simulation's.
//
// Every builtin, module member and value attribute is declared once, with
// its documentation, in the registry (registry.go); the interpreter's
// predeclared names and `encephagen doc` both read it.
//
// Scripts are sandboxed: they read only the connectome data path and their
// own script folder, write only inside their run directory, and have no
// builtin that starts processes or opens network connections.
package script
