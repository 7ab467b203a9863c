// Package script is encephagen's experiment language: the Starlark
// builtins and values for connectomes, brains, stimuli, runs, e-prop,
// measurement, arrays, statistics and reports. It registers them with the
// interpreter (package interp), which runs scripts, and is the entry point
// for programs (Exec, PlanScript, Merge, Vet, the doc registry): calling
// through here guarantees every builtin is registered.
//
// Data flows one way: a builtin checks and converts its arguments, hands
// the work to the engine (brains advance on the session's backend,
// engine/backend), and wraps the result in a small read-only value. Bulk
// numbers stay in Go (Array); a run() call advances a brain by thousands
// of steps in Go, so the interpreter's cost is nil next to the
// simulation's. Nothing here does arithmetic on neurons, and nothing here
// knows where a brain's state lives.
package script
